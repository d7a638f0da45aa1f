// Runs some code with stdout and stderr captured (Powertools writes info to stdout, warnings and errors
// to stderr), and gives back its result and every non-empty line written meanwhile.
import { vi } from 'vitest';

export async function withCapturedOutput<T>(act: () => Promise<T>): Promise<{ result: T; lines: string[] }> {
  const lines: string[] = [];
  const capture = (chunk: string | Uint8Array) => {
    lines.push(
      ...String(chunk)
        .split('\n')
        .filter((line) => line !== ''),
    );
    return true;
  };
  const spies = [
    vi.spyOn(process.stdout, 'write').mockImplementation(capture),
    vi.spyOn(process.stderr, 'write').mockImplementation(capture),
  ];
  try {
    return { result: await act(), lines };
  } finally {
    for (const spy of spies) spy.mockRestore();
  }
}
