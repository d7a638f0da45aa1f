// Where the tasks are kept and the outcomes announced (infra/tasks-table.yml, infra/events-topic.yml): the
// table's exact schema and retention, the events topic, and the stack outputs that name them. Checked on
// the template CloudFormation would receive, packaged once by the global setup
// (test/support/global-setup.ts); the events email subscription is in template-events-email.test.ts.
import { describe, expect, it } from 'vitest';
import { STAGE } from '../support/cloudformation';
import { loadTemplate } from '../support/template';

const { template, resource } = loadTemplate();

describe('tasks table', () => {
  it('has exactly the schema the store relies on, and outlives the stack', () => {
    // Act + Assess
    expect(resource('TasksTable', 'AWS::DynamoDB::Table')).toEqual({
      Type: 'AWS::DynamoDB::Table',
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
      Properties: {
        TableName: `recwatch-${STAGE}-tasks`,
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: [
          { AttributeName: 'taskId', AttributeType: 'S' },
          { AttributeName: 'dueShard', AttributeType: 'S' },
          { AttributeName: 'dueAt', AttributeType: 'N' },
          { AttributeName: 'roomId', AttributeType: 'S' },
          { AttributeName: 'trackedAt', AttributeType: 'N' },
          { AttributeName: 'closedDay', AttributeType: 'S' },
          { AttributeName: 'closedAt', AttributeType: 'N' },
        ],
        KeySchema: [{ AttributeName: 'taskId', KeyType: 'HASH' }],
        // Sparse: keyed on attributes only OPEN tasks carry, never on the table key.
        GlobalSecondaryIndexes: [
          {
            IndexName: 'due-index',
            KeySchema: [
              { AttributeName: 'dueShard', KeyType: 'HASH' },
              { AttributeName: 'dueAt', KeyType: 'RANGE' },
            ],
            Projection: { ProjectionType: 'ALL' },
          },
          // Sparse too: only tasks with a room carry roomId; a room's page is one Query, newest tracked first.
          {
            IndexName: 'room-index',
            KeySchema: [
              { AttributeName: 'roomId', KeyType: 'HASH' },
              { AttributeName: 'trackedAt', KeyType: 'RANGE' },
            ],
            Projection: { ProjectionType: 'ALL' },
          },
          // Sparse: only closed tasks carry closedDay; "closed since T" is a Query per day, earliest first.
          {
            IndexName: 'closed-index',
            KeySchema: [
              { AttributeName: 'closedDay', KeyType: 'HASH' },
              { AttributeName: 'closedAt', KeyType: 'RANGE' },
            ],
            Projection: { ProjectionType: 'ALL' },
          },
        ],
        TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
        SSESpecification: { SSEEnabled: true },
      },
    });
    expect(template.Outputs.TasksTableName?.Value).toEqual({ Ref: 'TasksTable' });
  });
});

describe('events topic', () => {
  it('is an SNS topic named for the stage, exported as EventsTopicArn', () => {
    // Act + Assess
    expect(resource('EventsTopic', 'AWS::SNS::Topic').Properties.TopicName).toBe(`recwatch-${STAGE}-events`);
    expect(template.Outputs.EventsTopicArn?.Value).toEqual({ Ref: 'EventsTopic' });
  });
});
