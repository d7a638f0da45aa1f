import { describe, expect, it } from 'vitest';
import { interpretDescribeBody, parseRecordingStatus } from '../../lib/zego/describe-response';
import {
  classifyListingCode,
  interpretDescribeTasksBody,
  parseTaskListPage,
} from '../../lib/zego/describe-tasks-response';
import { classifyCode, isRateRefusal } from '../../lib/zego/return-codes';

describe('classifyCode', () => {
  it.each([
    [0, 'ok'],
    [100_000_004, 'transient'],
    [100_000_015, 'transient'],
    [100_000_000, 'config'],
    [100_000_001, 'config'],
    [100_000_005, 'config'],
    [100_000_010, 'config'],
    [100_000_017, 'config'],
    [300_000_002, 'config'],
    [300_000_003, 'transient'],
    [300_000_004, 'task'],
    [300_000_005, 'config'],
    [300_001_000, 'task'],
    [300_010_000, 'transient'],
    [1, 'transient'],
    [7, 'transient'],
    [100_000_018, 'transient'],
    [424_242, 'transient'],
    [-1, 'transient'],
  ] as const)('classifies %i as %s', (code, expected) => {
    // Act + Assess
    expect(classifyCode(code)).toBe(expected);
  });

  it('recognises rate refusals, current and legacy', () => {
    // Act + Assess
    expect([300_000_003, 7, 300_010_000, 1, 0].map(isRateRefusal)).toEqual([true, true, false, false, false]);
  });
});

const zegoFile = {
  UserId: 'my_out',
  UserName: 'my_out',
  StreamId: 'my_out',
  FileId: 'X3CgNeE4I1qAAABN_xxxx_my_out_VA_20200927154419775.mp4',
  VideoId: '820e50e52e0a490caf44eec8aec527a7',
  OutputFileFormat: 'mp4',
  FileSize: 432643544,
  Duration: 33874,
  ResolutionWidth: 1920,
  ResolutionHeight: 1080,
  MediaTrackType: 3,
  BeginTimestamp: 1601221459830,
  CustomBeginTimestamp: 0,
  Status: 3,
  FileUrl: 'https://xxxx.com/record/X3CgNeE4I1qAAABN.mp4',
};

// ZEGO's sample response (ZEGOCLOUD docs, DescribeRecordStatus; see docs/zego.md).
const sample = {
  Code: 0,
  Message: 'succeed',
  RequestId: 'abcd123',
  Data: {
    RoomId: 'xxxx',
    RecordMode: 2,
    StreamType: 3,
    RecordBeginTimestamp: 1601221452099,
    RecordEndTimestamp: 1601221508795,
    Status: 3,
    RecordFiles: [zegoFile],
  },
};

const withData = (data: unknown): unknown => ({ ...sample, Data: data });
const withFile = (file: unknown): unknown => withData({ ...sample.Data, RecordFiles: [zegoFile, file] });

describe('interpretDescribeBody', () => {
  it('maps ZEGO’s sample answer to our names', () => {
    // Act
    const result = interpretDescribeBody(sample, 1);

    // Assess
    expect(result).toEqual({
      kind: 'ok',
      requestId: 'abcd123',
      attempts: 1,
      recording: {
        status: 3,
        roomId: 'xxxx',
        recordBeginTimestamp: 1601221452099,
        recordEndTimestamp: 1601221508795,
        files: [
          {
            url: 'https://xxxx.com/record/X3CgNeE4I1qAAABN.mp4',
            fileId: 'X3CgNeE4I1qAAABN_xxxx_my_out_VA_20200927154419775.mp4',
            videoId: '820e50e52e0a490caf44eec8aec527a7',
            streamId: 'my_out',
            userId: 'my_out',
            format: 'mp4',
            sizeBytes: 432643544,
            durationMs: 33874,
            width: 1920,
            height: 1080,
            mediaTrackType: 3,
            beginTimestamp: 1601221459830,
            status: 3,
          },
        ],
      },
    });
  });

  it('gives no files when RecordFiles is absent, and leaves out absent fields', () => {
    // Act
    const result = interpretDescribeBody({ Code: 0, Data: { Status: 2 } }, 1);

    // Assess
    expect(result).toStrictEqual({ kind: 'ok', attempts: 1, recording: { status: 2, files: [] } });
  });

  it('keeps a file with only a Status, and reads an empty FileUrl as absent', () => {
    // Act
    const result = interpretDescribeBody(withData({ Status: 3, RecordFiles: [{ Status: 5, FileUrl: '' }] }), 2);

    // Assess
    expect(result.kind === 'ok' && result.recording.files).toStrictEqual([{ status: 5 }]);
  });

  it.each([
    ['body not an object', [sample], 'malformed response: body is not an object'],
    ['Code missing', { Message: 'x' }, 'malformed response: Code is not an integer'],
    ['Code a string', { ...sample, Code: '0' }, 'malformed response: Code is not an integer'],
    ['Data missing', { Code: 0 }, 'malformed response: Data is missing'],
    ['Data not an object', withData('ended'), 'malformed response: Data is not an object'],
    ['Data.Status missing', withData({ RoomId: 'r' }), 'malformed response: Data.Status is missing'],
    ['Data.Status a string', withData({ Status: '3' }), 'malformed response: Data.Status is not an integer'],
    ['Data.Status fractional', withData({ Status: 2.5 }), 'malformed response: Data.Status is not an integer'],
    ['RoomId a number', withData({ Status: 3, RoomId: 7 }), 'malformed response: Data.RoomId is not a string'],
    [
      'timestamp a string',
      withData({ Status: 3, RecordEndTimestamp: '1' }),
      'malformed response: Data.RecordEndTimestamp is not a number',
    ],
    [
      'RecordFiles an object',
      withData({ Status: 3, RecordFiles: {} }),
      'malformed response: Data.RecordFiles is not an array',
    ],
    ['file not an object', withFile('f'), 'malformed response: Data.RecordFiles[1] is not an object'],
    ['file Status missing', withFile({ FileUrl: 'u' }), 'malformed response: Data.RecordFiles[1].Status is missing'],
    [
      'file Status a string',
      withFile({ Status: '3' }),
      'malformed response: Data.RecordFiles[1].Status is not an integer',
    ],
    [
      'FileSize a string',
      withFile({ Status: 3, FileSize: '12' }),
      'malformed response: Data.RecordFiles[1].FileSize is not a number',
    ],
    [
      'Duration infinite-ish',
      withFile({ Status: 3, Duration: Number.NaN }),
      'malformed response: Data.RecordFiles[1].Duration is not a number',
    ],
    [
      'FileUrl a number',
      withFile({ Status: 3, FileUrl: 1 }),
      'malformed response: Data.RecordFiles[1].FileUrl is not a string',
    ],
  ])('makes a transient fault, never a throw, when %s', (_name, body, message) => {
    // Act
    const result = interpretDescribeBody(body, 1);

    // Assess
    expect(result).toMatchObject({ kind: 'transient', message, attempts: 1 });
  });

  it.each([
    [300_001_000, 'task', undefined],
    [300_000_004, 'task', undefined],
    [100_000_005, 'config', undefined],
    [300_000_003, 'transient', true],
    [300_010_000, 'transient', undefined],
  ] as const)('classifies a Code %i answer as %s', (code, kind, rateRefused) => {
    // Act
    const result = interpretDescribeBody({ Code: code, Message: 'from zego', RequestId: 'r1' }, 1);

    // Assess
    expect(result).toStrictEqual({
      kind,
      code,
      message: `Code ${code}: from zego`,
      requestId: 'r1',
      attempts: 1,
      ...(rateRefused ? { rateRefused } : {}),
    });
  });

  it('describes a known code when ZEGO sends no Message, and tames a hostile one', () => {
    // Act
    const quiet = interpretDescribeBody({ Code: 300_001_000 }, 1);
    const noisy = interpretDescribeBody({ Code: 300_010_000, Message: `bad\n\u0000${'x'.repeat(1000)}` }, 1);

    // Assess
    expect(quiet).toMatchObject({ kind: 'task', message: 'Code 300001000: recording task does not exist' });
    expect(noisy.kind !== 'ok' && noisy.message).toMatch(/^Code 300010000: bad x+$/);
    expect(noisy.kind !== 'ok' && noisy.message.length).toBeLessThan(230);
  });
});

describe('parseRecordingStatus', () => {
  it('reads a JSON null as absent for optional fields', () => {
    // Act
    const result = parseRecordingStatus({ Status: 3, RoomId: null, RecordFiles: null });

    // Assess
    expect(result).toStrictEqual({ ok: true, recording: { status: 3, files: [] } });
  });
});

// A DescribeTasks answer as ZEGO documents its fields.
const listSample = {
  Code: 0,
  Message: 'succeed',
  RequestId: 'list-1',
  Data: {
    PageOffset: 1,
    PageSize: 50,
    TotalCount: 2,
    TaskidList: [
      { TaskId: 'X3CgNeE4I1qAAABN', RoomId: 'room-1', Status: 2, RecordBeginTimestamp: 1601221452099 },
      { TaskId: 'X3CgNeE4I1qAAABO', Status: 5 },
    ],
  },
};

const withListData = (data: unknown): unknown => ({ ...listSample, Data: data });
const withItem = (item: unknown): unknown =>
  withListData({ ...listSample.Data, TaskidList: [listSample.Data.TaskidList[0], item] });

describe('interpretDescribeTasksBody', () => {
  it('maps a listing to our names, leaving out absent fields', () => {
    // Act
    const result = interpretDescribeTasksBody(listSample, 1);

    // Assess
    expect(result).toStrictEqual({
      kind: 'ok',
      requestId: 'list-1',
      attempts: 1,
      page: {
        pageOffset: 1,
        pageSize: 50,
        totalCount: 2,
        tasks: [
          { taskId: 'X3CgNeE4I1qAAABN', roomId: 'room-1', status: 2, recordBeginTimestamp: 1601221452099 },
          { taskId: 'X3CgNeE4I1qAAABO', status: 5 },
        ],
      },
    });
  });

  it.each([
    ['absent', undefined],
    ['null', null],
    ['empty', []],
  ])('gives no tasks when TaskidList is %s', (_name, list) => {
    // Act
    const result = interpretDescribeTasksBody(
      { Code: 0, Data: { PageOffset: 3, PageSize: 50, TotalCount: 100, TaskidList: list } },
      2,
    );

    // Assess
    expect(result).toStrictEqual({
      kind: 'ok',
      attempts: 2,
      page: { pageOffset: 3, pageSize: 50, totalCount: 100, tasks: [] },
    });
  });

  it.each([
    ['body not an object', 'ok', 'malformed response: body is not an object'],
    ['Code missing', { Data: listSample.Data }, 'malformed response: Code is not an integer'],
    ['Data missing', { Code: 0 }, 'malformed response: Data is missing'],
    ['Data an array', withListData([]), 'malformed response: Data is not an object'],
    [
      'PageOffset missing',
      withListData({ PageSize: 50, TotalCount: 0 }),
      'malformed response: Data.PageOffset is missing',
    ],
    [
      'PageSize a string',
      withListData({ ...listSample.Data, PageSize: '50' }),
      'malformed response: Data.PageSize is not an integer',
    ],
    [
      'TotalCount negative',
      withListData({ ...listSample.Data, TotalCount: -1 }),
      'malformed response: Data.TotalCount is negative',
    ],
    [
      'TotalCount fractional',
      withListData({ ...listSample.Data, TotalCount: 1.5 }),
      'malformed response: Data.TotalCount is not an integer',
    ],
    [
      'TaskidList an object',
      withListData({ ...listSample.Data, TaskidList: {} }),
      'malformed response: Data.TaskidList is not an array',
    ],
    ['an item not an object', withItem('X3Cg'), 'malformed response: Data.TaskidList[1] is not an object'],
    ['TaskId missing', withItem({ Status: 2 }), 'malformed response: Data.TaskidList[1].TaskId is missing'],
    [
      'TaskId empty',
      withItem({ TaskId: '', Status: 2 }),
      'malformed response: Data.TaskidList[1].TaskId is not a non-empty string',
    ],
    [
      'TaskId a number',
      withItem({ TaskId: 7, Status: 2 }),
      'malformed response: Data.TaskidList[1].TaskId is not a non-empty string',
    ],
    ['Status missing', withItem({ TaskId: 't' }), 'malformed response: Data.TaskidList[1].Status is missing'],
    [
      'Status a string',
      withItem({ TaskId: 't', Status: '2' }),
      'malformed response: Data.TaskidList[1].Status is not an integer',
    ],
    [
      'RoomId a number',
      withItem({ TaskId: 't', Status: 2, RoomId: 1 }),
      'malformed response: Data.TaskidList[1].RoomId is not a string',
    ],
    [
      'RecordBeginTimestamp a string',
      withItem({ TaskId: 't', Status: 2, RecordBeginTimestamp: '1' }),
      'malformed response: Data.TaskidList[1].RecordBeginTimestamp is not a number',
    ],
  ])('makes a transient fault, never a throw, when %s', (_name, body, message) => {
    // Act
    const result = interpretDescribeTasksBody(body, 1);

    // Assess
    expect(result).toMatchObject({ kind: 'transient', message, attempts: 1 });
  });

  it.each([
    [300_000_004, 'transient', undefined], // our query was refused: not about any task
    [300_001_000, 'transient', undefined],
    [100_000_005, 'config', undefined],
    [300_000_002, 'config', undefined],
    [300_000_003, 'transient', true],
    [300_010_000, 'transient', undefined],
  ] as const)('classifies a Code %i answer as %s, keeping the code', (code, kind, rateRefused) => {
    // Act
    const result = interpretDescribeTasksBody({ Code: code, Message: 'from zego', RequestId: 'r1' }, 1);

    // Assess
    expect(result).toStrictEqual({
      kind,
      code,
      message: `Code ${code}: from zego`,
      requestId: 'r1',
      attempts: 1,
      ...(rateRefused ? { rateRefused } : {}),
    });
  });

  it('never classifies a listing code as task', () => {
    // Act + Assess
    expect([0, 300_000_004, 300_001_000, 100_000_005, 424_242].map(classifyListingCode)).toEqual([
      'ok',
      'transient',
      'transient',
      'config',
      'transient',
    ]);
  });
});

describe('parseTaskListPage', () => {
  it('reads a JSON null as absent for optional fields', () => {
    // Act
    const result = parseTaskListPage({
      PageOffset: 1,
      PageSize: 50,
      TotalCount: 1,
      TaskidList: [{ TaskId: 't', Status: 3, RoomId: null, RecordBeginTimestamp: null }],
    });

    // Assess
    expect(result).toStrictEqual({
      ok: true,
      page: { pageOffset: 1, pageSize: 50, totalCount: 1, tasks: [{ taskId: 't', status: 3 }] },
    });
  });
});
