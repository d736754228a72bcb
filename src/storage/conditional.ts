import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, PutCommand, UpdateCommand, type DeleteCommandInput, type DynamoDBDocumentClient, type PutCommandInput, type UpdateCommandInput } from '@aws-sdk/lib-dynamodb';

/**
 * A PutItem with a condition: true when stored, false when the condition did not hold. The idempotent and
 * ordered writes of Cadence (purchase lines, profiles, predictions, assignments, runs) all go through it,
 * or through its update and delete forms below.
 */
export async function putIf(doc: DynamoDBDocumentClient, input: PutCommandInput & { ConditionExpression: string }): Promise<boolean> {
  try {
    await doc.send(new PutCommand(input));
    return true;
  } catch (err) {
    if (err instanceof ConditionalCheckFailedException) return false;
    throw err;
  }
}

/** An UpdateItem with a condition: the returned attributes (empty unless asked for) when applied, undefined when not. */
export async function updateIf(doc: DynamoDBDocumentClient, input: UpdateCommandInput & { ConditionExpression: string }): Promise<Record<string, unknown> | undefined> {
  try {
    return (await doc.send(new UpdateCommand(input))).Attributes ?? {};
  } catch (err) {
    if (err instanceof ConditionalCheckFailedException) return undefined;
    throw err;
  }
}

/** A DeleteItem with a condition: true when deleted, false when the condition did not hold. */
export async function deleteIf(doc: DynamoDBDocumentClient, input: DeleteCommandInput & { ConditionExpression: string }): Promise<boolean> {
  try {
    await doc.send(new DeleteCommand(input));
    return true;
  } catch (err) {
    if (err instanceof ConditionalCheckFailedException) return false;
    throw err;
  }
}
