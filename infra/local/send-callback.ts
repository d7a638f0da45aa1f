// `npm run callback -- <taskId> [--event 1|2|5|7] [--room <roomId>] [--url <url>]`: sends one ZEGO
// recording status callback, signed with the running stack's CallbackSecret, to `npm start`'s callback URL,
// and prints the answer (see callback-command.ts). Exit status: 0 for a 2xx answer, 1 for any other answer
// or when nothing answers, 2 for bad arguments.
import { CallbackCommandError, readCommand, sendCommand, USAGE } from './callback-command';

try {
  const command = readCommand(process.argv.slice(2), process.env, process.cwd());
  if (command === 'help') {
    process.stdout.write(`${USAGE}\n`);
  } else {
    const { ok, line } = await sendCommand(command);
    process.stdout.write(`${line}\n`);
    process.exitCode = ok ? 0 : 1;
  }
} catch (error) {
  if (!(error instanceof CallbackCommandError)) throw error;
  process.stderr.write(`npm run callback: ${error.message}\n`);
  process.exitCode = error.status;
}
