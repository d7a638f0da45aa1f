// Turns the parsed JSON body of a DescribeRecordStatus answer into a DescribeResult. Every field is untrusted:
// an ill-typed or missing required field makes the whole answer a transient fault (ZEGO may be mid-deploy),
// never an exception. This file and describe-tasks-response.ts (which reuses the helpers exported here) are
// the only ones that know ZEGO's field names.
// Source for the fields: docs/zego.md, "DescribeRecordStatus" (ZEGO's response parameters and RecordFiles).
import type { RecordingFile } from '../task/task';
import { classifyCode, describeCode, isRateRefusal } from './return-codes';
import type { DescribeResult, FaultClass, RecordingStatus, ZegoFault } from './types';

export type Json = Record<string, unknown>;

/** Thrown by the field helpers below; turned into a transient fault by interpretBody / parseWith. */
export class MalformedError extends Error {}

export const isObject = (value: unknown): value is Json =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

// A JSON null is read as "absent": Go-style encoders write null for empty optional values.
export const isAbsent = (value: unknown): value is undefined | null => value === undefined || value === null;

export function malformed(path: string, problem: string): never {
  throw new MalformedError(`malformed response: ${path} ${problem}`);
}

export function requiredInteger(obj: Json, key: string, path: string): number {
  const value = obj[key];
  if (isAbsent(value)) malformed(`${path}.${key}`, 'is missing');
  if (!Number.isInteger(value)) malformed(`${path}.${key}`, 'is not an integer');
  return value as number;
}

export function optionalNumber(obj: Json, key: string, path: string): number | undefined {
  const value = obj[key];
  if (isAbsent(value)) return undefined;
  if (typeof value !== 'number' || !Number.isFinite(value)) malformed(`${path}.${key}`, 'is not a number');
  return value;
}

export function optionalString(obj: Json, key: string, path: string): string | undefined {
  const value = obj[key];
  if (isAbsent(value)) return undefined;
  if (typeof value !== 'string') malformed(`${path}.${key}`, 'is not a string');
  return value;
}

const FILE_STRINGS = [
  ['FileUrl', 'url'],
  ['FileId', 'fileId'],
  ['VideoId', 'videoId'],
  ['StreamId', 'streamId'],
  ['UserId', 'userId'],
  ['OutputFileFormat', 'format'],
] as const;

// ZEGO: FileSize in bytes; Duration and BeginTimestamp in ms; MediaTrackType 1 audio, 2 video, 3 both.
const FILE_NUMBERS = [
  ['FileSize', 'sizeBytes'],
  ['Duration', 'durationMs'],
  ['ResolutionWidth', 'width'],
  ['ResolutionHeight', 'height'],
  ['MediaTrackType', 'mediaTrackType'],
  ['BeginTimestamp', 'beginTimestamp'],
] as const;

function parseFile(raw: unknown, path: string): RecordingFile {
  if (!isObject(raw)) malformed(path, 'is not an object');
  // ZEGO: file Status as in FILE_STATUS (./vocabulary.ts).
  const file: RecordingFile = { status: requiredInteger(raw, 'Status', path) };
  for (const [theirs, ours] of FILE_STRINGS) {
    const value = optionalString(raw, theirs, path);
    // ZEGO: FileUrl is absent for some storage vendors; an empty one is no more useful than none.
    if (value !== undefined && !(ours === 'url' && value === '')) file[ours] = value;
  }
  for (const [theirs, ours] of FILE_NUMBERS) {
    const value = optionalNumber(raw, theirs, path);
    if (value !== undefined) file[ours] = value;
  }
  return file;
}

function parseData(data: unknown): RecordingStatus {
  if (!isObject(data)) malformed('Data', isAbsent(data) ? 'is missing' : 'is not an object');
  // ZEGO: Data.Status as in RECORD_STATUS (./vocabulary.ts).
  const recording: RecordingStatus = { status: requiredInteger(data, 'Status', 'Data'), files: [] };
  const roomId = optionalString(data, 'RoomId', 'Data');
  if (roomId !== undefined) recording.roomId = roomId;
  // ZEGO: recording timestamps are Unix milliseconds.
  const begin = optionalNumber(data, 'RecordBeginTimestamp', 'Data');
  if (begin !== undefined) recording.recordBeginTimestamp = begin;
  const end = optionalNumber(data, 'RecordEndTimestamp', 'Data');
  if (end !== undefined) recording.recordEndTimestamp = end;
  // ZEGO: RecordFiles is absent when nobody published and in snapshot mode.
  const files = data['RecordFiles'];
  if (!isAbsent(files)) {
    if (!Array.isArray(files)) malformed('Data.RecordFiles', 'is not an array');
    recording.files = files.map((file, i) => parseFile(file, `Data.RecordFiles[${i}]`));
  }
  return recording;
}

/** Runs a Data parser built on the helpers above: its value, or what is wrong with the data. */
export function parseWith<T>(
  parse: (data: unknown) => T,
  data: unknown,
): { ok: true; value: T } | { ok: false; problem: string } {
  try {
    return { ok: true, value: parse(data) };
  } catch (err) {
    if (err instanceof MalformedError) return { ok: false, problem: err.message };
    throw err;
  }
}

/** Validates a successful answer's `Data` into a RecordingStatus, or says what is wrong with it. */
export function parseRecordingStatus(
  data: unknown,
): { ok: true; recording: RecordingStatus } | { ok: false; problem: string } {
  const parsed = parseWith(parseData, data);
  return parsed.ok ? { ok: true, recording: parsed.value } : parsed;
}

/** ZEGO's Message is free text from outside: keep it short and printable. */
export function cleanText(text: string): string {
  return text
    .replace(/[\u0000-\u001f\u007f]+/g, ' ')
    .trim()
    .slice(0, 200);
}

/** What interpretBody makes of an answer: the parsed Data, or a fault. */
export type Interpreted<T> = { kind: 'ok'; value: T; requestId?: string; attempts: number } | ZegoFault;

export interface InterpretOptions {
  /** How to handle a Code (default classifyCode, which says 'ok' for 0 only). */
  classify?: (code: number) => 'ok' | FaultClass;
}

/**
 * Any action's parsed JSON body (from a 2xx answer): ZEGO's envelope (Code, Message, RequestId) checked here,
 * `Data` handed to `parse` on success (which throws MalformedError, through the helpers above, when it is wrong).
 */
export function interpretBody<T>(
  body: unknown,
  attempts: number,
  parse: (data: unknown) => T,
  options: InterpretOptions = {},
): Interpreted<T> {
  const classify = options.classify ?? classifyCode;
  if (!isObject(body)) return { kind: 'transient', message: 'malformed response: body is not an object', attempts };
  const requestId = typeof body['RequestId'] === 'string' ? cleanText(body['RequestId']) : undefined;
  const withId = <R extends object>(result: R): R & { requestId?: string } =>
    requestId === undefined ? result : { ...result, requestId };
  // ZEGO: every answer carries Code (0 = success), Message and RequestId.
  const code = body['Code'];
  if (typeof code !== 'number' || !Number.isInteger(code)) {
    return withId({ kind: 'transient' as const, message: 'malformed response: Code is not an integer', attempts });
  }
  const kind = classify(code);
  if (kind === 'ok') {
    const parsed = parseWith(parse, body['Data']);
    if (!parsed.ok) return withId({ kind: 'transient' as const, code, message: parsed.problem, attempts });
    return withId({ kind: 'ok' as const, value: parsed.value, attempts });
  }
  const zegoMessage = typeof body['Message'] === 'string' ? cleanText(body['Message']) : '';
  const message = `Code ${code}: ${zegoMessage || describeCode(code) || 'unknown return code'}`;
  const fault = { kind, code, message, attempts };
  return withId(isRateRefusal(code) ? { ...fault, rateRefused: true } : fault);
}

/** The DescribeResult for a parsed JSON body (from a 2xx answer). */
export function interpretDescribeBody(body: unknown, attempts: number): DescribeResult {
  const result = interpretBody(body, attempts, parseData);
  if (result.kind !== 'ok') return result;
  const { value, ...rest } = result;
  return { ...rest, recording: value };
}
