import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Jurisdiction } from '../regions/region.schema.ts';
import { putIf } from '../storage/conditional.ts';
import { modelKeys } from '../storage/keys.ts';

/**
 * The jurisdiction each idempotency key created its customer in, in the global table: a retried create
 * whose body lands in the other jurisdiction must not create a second customer there. Only a hash of the
 * caller and key is stored, with the jurisdiction; nothing about the customer.
 */
export interface IdempotencyRegistry {
  /** Binds the key to the jurisdiction unless it is bound to another; false when it is. */
  claim(keyHash: string, jurisdiction: Jurisdiction): Promise<boolean>;
}

export class DynamoIdempotencyRegistry implements IdempotencyRegistry {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  claim(keyHash: string, jurisdiction: Jurisdiction) {
    return putIf(this.doc, {
      TableName: this.tableName,
      Item: { ...modelKeys.idempotency(keyHash), jurisdiction },
      ConditionExpression: 'attribute_not_exists(modelKey) OR jurisdiction = :j',
      ExpressionAttributeValues: { ':j': jurisdiction },
    });
  }
}
