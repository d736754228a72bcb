import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { PutCommand, type DynamoDBDocumentClient, type PutCommandInput } from '@aws-sdk/lib-dynamodb';

/**
 * A PutItem with a condition: true when stored, false when the condition did not hold. The idempotent and
 * ordered writes of Cadence (purchase lines, profiles, predictions, assignments, runs) all go through it.
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
