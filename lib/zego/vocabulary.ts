// ZEGO Cloud Recording's numbers, named once: a recording's and a file's Status, DescribeTasks' Status
// filter, the callbacks' event_type and upload_status, and the return codes recwatch acts on or names.
// What each one means, and where ZEGO documents it, is in docs/zego.md. Code compares against these
// names, never against a bare number; fields keep ZEGO's numbers as they came (`number`), since ZEGO may
// send values not listed here.

/** A recording's Status: DescribeRecordStatus' Data.Status, DescribeTasks' TaskidList[].Status. */
export const RECORD_STATUS = {
  /** 1: the task exists, the recorder is starting (docs/zego.md, "DescribeRecordStatus"). */
  initialising: 1,
  /** 2: recording (docs/zego.md, "DescribeRecordStatus"). */
  inProgress: 2,
  /** 3: ended; its files may still be uploading (docs/zego.md, "DescribeRecordStatus"). */
  ended: 3,
  /** 4: ended abnormally (MaxIdleTime, MaxRecordTime...); it may still have good files (docs/zego.md, "DescribeRecordStatus"). */
  endedAbnormally: 4,
  /** 5: paused (docs/zego.md, "DescribeRecordStatus"). */
  paused: 5,
} as const;

/** A file's Status: DescribeRecordStatus' RecordFiles[].Status, an upload-finished callback's file_info[].status. */
export const FILE_STATUS = {
  /** 1: being recorded (docs/zego.md, "DescribeRecordStatus"). */
  recording: 1,
  /** 2: uploading to the customer's storage (docs/zego.md, "DescribeRecordStatus"). */
  uploading: 2,
  /** 3: uploaded to the customer's storage (docs/zego.md, "DescribeRecordStatus"). */
  uploaded: 3,
  /** 4: the customer's storage refused it: kept in ZEGO backup storage, which deletes it after 3 days (docs/zego.md, "DescribeRecordStatus"). */
  inBackupStorage: 4,
  /** 5: the upload failed everywhere (docs/zego.md, "DescribeRecordStatus"). */
  failed: 5,
} as const;

/** DescribeTasks' Status parameter: which tasks to list. */
export const LIST_STATUS = {
  /** 2: tasks recording now (docs/zego.md, "DescribeTasks"). */
  recording: 2,
  /** 3: tasks that have ended (docs/zego.md, "DescribeTasks"). */
  ended: 3,
} as const;

/** A recording status callback's event_type. */
export const CALLBACK_EVENT = {
  /** 1: the files finished uploading; detail carries upload_status and file_info (docs/zego.md, "Recording status callbacks"). */
  uploadFinished: 1,
  /** 2: the recording ended abnormally (docs/zego.md, "Recording status callbacks"). */
  endedAbnormally: 2,
  /** 4: no stream in the room to record (docs/zego.md, "Recording status callbacks"). */
  noStream: 4,
  /** 5: the recording completed normally (docs/zego.md, "Recording status callbacks"). */
  completed: 5,
  /** 7: the recording stopped and its files are uploading (docs/zego.md, "Recording status callbacks"). */
  uploading: 7,
} as const;

/** An upload-finished callback's detail.upload_status. */
export const UPLOAD_STATUS = {
  /** 1: every file uploaded (docs/zego.md, "Recording status callbacks"). */
  allUploaded: 1,
  /** 2: some files failed to upload (docs/zego.md, "Recording status callbacks"). */
  someFailed: 2,
} as const;

/** Return codes: every answer's Code. */
export const RETURN_CODE = {
  /** 0: success (docs/zego.md, "Return codes"). */
  success: 0,
  /** 100000001: AppId format error (docs/zego.md, "Return codes"). */
  appIdFormat: 100_000_001,
  /** 100000002: Timestamp is empty (docs/zego.md, "Return codes"). */
  timestampEmpty: 100_000_002,
  /** 100000003: Timestamp format error (docs/zego.md, "Return codes"). */
  timestampFormat: 100_000_003,
  /** 100000004: signature expired (clock skew over 10 minutes): a fresh signature may pass (docs/zego.md, "Return codes"). */
  signatureExpired: 100_000_004,
  /** 100000005: invalid signature (a wrong or rotated ServerSecret) (docs/zego.md, "Return codes"). */
  badSignature: 100_000_005,
  /** 100000006: Action is empty (docs/zego.md, "Return codes"). */
  actionEmpty: 100_000_006,
  /** 100000007: unsupported Action (docs/zego.md, "Return codes"). */
  unsupportedAction: 100_000_007,
  /** 100000008: SignatureNonce is empty or ill-formed (docs/zego.md, "Return codes"). */
  nonceInvalid: 100_000_008,
  /** 100000009: Signature is empty (docs/zego.md, "Return codes"). */
  signatureEmpty: 100_000_009,
  /** 100000010: no ServerSecret for the AppId (docs/zego.md, "Return codes"). */
  serverSecretNotFound: 100_000_010,
  /** 100000013: SignatureVersion is empty (docs/zego.md, "Return codes"). */
  signatureVersionEmpty: 100_000_013,
  /** 100000014: unsupported SignatureVersion (docs/zego.md, "Return codes"). */
  unsupportedSignatureVersion: 100_000_014,
  /** 100000015: gateway internal error (docs/zego.md, "Return codes"). */
  gatewayInternal: 100_000_015,
  /** 100000017: the service is not enabled for the app (docs/zego.md, "Return codes"). */
  serviceNotEnabled: 100_000_017,
  /** 300000002: cloud recording is not enabled for the app (docs/zego.md, "Return codes"). */
  recordingNotEnabled: 300_000_002,
  /** 300000003: request rate over the limit (docs/zego.md, "Return codes", "Rate limits"). */
  rateLimited: 300_000_003,
  /** 300000004: invalid parameter (for a status request, permanent for that task) (docs/zego.md, "Return codes"). */
  invalidParameter: 300_000_004,
  /** 300000005: gateway verification failed (docs/zego.md, "Return codes"). */
  gatewayVerificationFailed: 300_000_005,
  /** 300001000: the task does not exist (a wrong id, or started more than 3 days ago) (docs/zego.md, "Return codes"). */
  taskMissing: 300_001_000,
  /** 300010000: system error (docs/zego.md, "Return codes"). */
  systemError: 300_010_000,
  /** 1: server busy, retry (older RTC docs; docs/zego.md, "Return codes"). */
  legacyServerBusy: 1,
  /** 7: rate limit (older RTC docs; docs/zego.md, "Return codes"). */
  legacyRateLimited: 7,
} as const;

/** The API gateway's codes, checked before any action runs: 100000000–100000017 (docs/zego.md, "Return codes"). */
export const GATEWAY_CODES = { first: 100_000_000, last: 100_000_017 } as const;
