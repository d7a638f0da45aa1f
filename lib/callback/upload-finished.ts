// What an upload-finished callback (event_type 1) says of a recording, in the same shape a
// DescribeRecordStatus answer takes (lib/zego/types.ts), so that the one set of outcome rules decides it.
// Fields: ZEGOCLOUD docs, "Recording status callback": detail.upload_status (1 all uploaded, 2 some
// failed) and detail.file_info[], the RecordFiles fields in snake_case, file `status` as in RecordFiles.
import type { RecordingFile } from '../task/task';
import type { RecordStatus } from '../zego/types';
import { FILE_STATUS, RECORD_STATUS, UPLOAD_STATUS } from '../zego/vocabulary';

const FILE_STRINGS = [
  ['file_url', 'url'],
  ['file_id', 'fileId'],
  ['video_id', 'videoId'],
  ['stream_id', 'streamId'],
  ['user_id', 'userId'],
  ['output_file_format', 'format'],
] as const;

const FILE_NUMBERS = [
  ['file_size', 'sizeBytes'],
  ['duration', 'durationMs'],
  ['resolution_width', 'width'],
  ['resolution_height', 'height'],
  ['media_track_type', 'mediaTrackType'],
  ['begin_timestamp', 'beginTimestamp'],
] as const;

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * The recording as an upload-finished callback describes it, or undefined when the callback cannot decide
 * it (no file list, a file with no readable status and no "all uploaded" to stand in for it): the task is
 * then checked with DescribeRecordStatus instead. A field of the wrong type is left out, not guessed.
 */
export function recordOfUploadFinished(detail: unknown, knownStatus: number | undefined): RecordStatus | undefined {
  if (!isObject(detail) || !Array.isArray(detail.file_info)) return undefined;
  const allUploaded = detail.upload_status === UPLOAD_STATUS.allUploaded;
  const files: RecordingFile[] = [];
  for (const raw of detail.file_info) {
    if (!isObject(raw)) return undefined;
    const status = Number.isInteger(raw.status)
      ? (raw.status as number)
      : allUploaded
        ? FILE_STATUS.uploaded
        : undefined;
    if (status === undefined) return undefined;
    const file: RecordingFile = { status };
    for (const [theirs, ours] of FILE_STRINGS) {
      const value = raw[theirs];
      // ZEGO: file_url is absent for some storage vendors; an empty one is no more useful than none.
      if (typeof value === 'string' && value !== '') file[ours] = value;
    }
    for (const [theirs, ours] of FILE_NUMBERS) {
      const value = raw[theirs];
      if (typeof value === 'number' && Number.isFinite(value)) file[ours] = value;
    }
    files.push(file);
  }
  // An upload-finished callback means the recording ended. An abnormal end that a poll already saw stays
  // abnormal; the callback itself does not say.
  const status = knownStatus === RECORD_STATUS.endedAbnormally ? RECORD_STATUS.endedAbnormally : RECORD_STATUS.ended;
  return { status, files };
}
