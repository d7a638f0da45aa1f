// The local stack's own console. It keeps the real stdout and stderr writers from before the functions'
// output is diverted to the log file (function-logs.ts), so what it prints always reaches the user.
type Write = (text: string) => void;

export interface Paint {
  bold(text: string): string;
  dim(text: string): string;
  green(text: string): string;
  red(text: string): string;
  yellow(text: string): string;
  cyan(text: string): string;
}

export interface Terminal {
  /** A line that stays. */
  say(text?: string): void;
  /** On a terminal, a line that the next one replaces (idle sweeps); elsewhere an ordinary line. */
  status(text: string): void;
  /** A line on stderr. */
  warn(text: string): void;
  paint: Paint;
}

export interface TerminalOptions {
  /** https://no-color.org: the caller passes whether NO_COLOR is set. */
  noColor?: boolean;
  stdout?: NodeJS.WriteStream;
  stderr?: NodeJS.WriteStream;
}

export function createTerminal({
  noColor = false,
  stdout = process.stdout,
  stderr = process.stderr,
}: TerminalOptions = {}): Terminal {
  const out: Write = stdout.write.bind(stdout);
  const err: Write = stderr.write.bind(stderr);
  const tty = stdout.isTTY === true;
  const colour = tty && !noColor;
  let pending = false;

  const clearPending = (): void => {
    if (pending) out('\r\x1b[2K');
    pending = false;
  };
  const style = (open: number, close: number) => (text: string) =>
    colour ? `\x1b[${open}m${text}\x1b[${close}m` : text;

  return {
    say(text = '') {
      clearPending();
      out(`${text}\n`);
    },
    status(text) {
      clearPending();
      if (!tty) return out(`${text}\n`);
      out(text);
      pending = true;
    },
    warn(text) {
      clearPending();
      err(`${text}\n`);
    },
    paint: {
      bold: style(1, 22),
      dim: style(2, 22),
      green: style(32, 39),
      red: style(31, 39),
      yellow: style(33, 39),
      cyan: style(36, 39),
    },
  };
}

/** Local wall-clock time, HH:MM:SS, for the start of console lines. */
export function clock(at: number = Date.now()): string {
  return new Date(at).toTimeString().slice(0, 8);
}
