// docs/event.schema.json against the code and the other documents: events built from tasks validate (and a field
// the schema does not document fails, so the check can fail); the schema's recording view is the OpenAPI's;
// the published schemas are open objects, request bodies strict; the example in docs/events.md validates.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { buildOutcomeEvent } from '../../lib/task/outcome-event';
import type { Task } from '../../lib/task/task';
import { EVENT_SCHEMA, eventProblems } from '../support/json-schemas';
import { OPENAPI } from '../support/openapi';

const T0 = Date.parse('2026-11-24T10:00:00.000Z');
const T1 = Date.parse('2026-11-24T10:05:00.000Z');

/** A closed task with every field the view can show. */
const fullTask = (overrides: Partial<Task> = {}): Task => ({
  taskId: 'X3CgNeE4I1qAAABN',
  roomId: 'room-1',
  state: 'COMPLETED',
  zegoStatus: 3,
  recordBeginTimestamp: 1601221452099,
  recordEndTimestamp: 1601221508795,
  files: [
    {
      url: 'https://bucket.example.com/a.mp4',
      fileId: 'a.mp4',
      videoId: 'v1',
      streamId: 's1',
      userId: 'u1',
      format: 'mp4',
      sizeBytes: 1,
      durationMs: 2,
      width: 3,
      height: 4,
      mediaTrackType: 3,
      beginTimestamp: 5,
      status: 4,
    },
  ],
  fileCount: 3,
  filesTruncated: true,
  trackedAt: T0,
  trackedBy: 'callback',
  lastCheckedAt: T1,
  checks: 7,
  quietChecks: 0,
  faultStreak: 0,
  notFoundStreak: 0,
  closedAt: T1,
  outcomeReason: 'recording ended; every file uploaded',
  closedBy: 'callback',
  lastError: { kind: 'transient', code: 1, message: 'timeout', at: T1 },
  version: 8,
  ...overrides,
});

/** Every `additionalProperties: false` in a document, by path. */
function closedObjects(node: unknown, path = ''): string[] {
  if (node === null || typeof node !== 'object') return [];
  const here = (node as Record<string, unknown>).additionalProperties === false ? [path] : [];
  return [...here, ...Object.entries(node).flatMap(([key, value]) => closedObjects(value, `${path}/${key}`))];
}

/** `schema` with its OpenAPI references written as the event schema's ($defs). */
const asDefs = (schema: unknown): unknown =>
  JSON.parse(JSON.stringify(schema).replaceAll('#/components/schemas/', '#/$defs/'));

describe('docs/event.schema.json', () => {
  it.each(['COMPLETED', 'FAILED', 'EXPIRED'] as const)('validates the event of a %s task with every field', (state) => {
    // Act
    const event = buildOutcomeEvent(fullTask({ state }), T1, 1234567890);

    // Assess
    expect(eventProblems(event)).toEqual([]);
    expect(event.recording.eventId).toBe(event.eventId);
  });

  it('fails an event with a field it does not document, a missing appId or a bad eventType', () => {
    // Prepare
    const event = buildOutcomeEvent(fullTask(), T1, 1234567890);
    const { appId: _appId, ...withoutAppId } = event;

    // Act + Assess
    expect(eventProblems({ ...event, recording: { ...event.recording, surprise: 1 } })).not.toEqual([]);
    expect(eventProblems(withoutAppId)).not.toEqual([]);
    expect(eventProblems({ ...event, eventType: 'recording.paused' })).not.toEqual([]);
    expect(eventProblems({ ...event, appId: 2 ** 32 })).not.toEqual([]);
  });

  it('describes the recording view as docs/openapi.yaml does', () => {
    // Act
    const defs = EVENT_SCHEMA.$defs as Record<string, unknown>;
    const schemas = OPENAPI.components as unknown as { schemas: Record<string, unknown> };

    // Assess
    for (const name of ['Recording', 'RecordingFile', 'TaskId'])
      expect(defs[name]).toEqual(asDefs(schemas.schemas[name]));
  });

  it('publishes open objects, in the event and in every answer of the HTTP API; only request bodies are strict', () => {
    // Act
    const inEvent = closedObjects(EVENT_SCHEMA);
    const inOpenApi = closedObjects(OPENAPI);

    // Assess
    expect(inEvent).toEqual([]);
    expect(inOpenApi).toEqual(['/components/schemas/TrackRequest']);
  });

  it('validates the example in docs/events.md', () => {
    // Prepare
    const doc = readFileSync(new URL('../../docs/events.md', import.meta.url), 'utf8');
    const example = /## The event\s+```json\n([\s\S]*?)```/.exec(doc)?.[1];

    // Act
    const problems = eventProblems(JSON.parse(example ?? 'null'));

    // Assess
    expect(example).toBeDefined();
    expect(problems).toEqual([]);
  });
});
