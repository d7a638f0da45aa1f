// The error an AWS service answers with, as the local stand-ins (SNS, SSM, Lambda endpoints) raise it: an
// HTTP status, the service's error code, and a message. Each endpoint writes it in its own protocol's shape.
export class AwsFault extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}
