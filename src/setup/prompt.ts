/**
 * Questions at a terminal: a line with a default, a choice, a yes/no, and a secret typed without echo.
 * Only used when stdin and stdout are a terminal; scripts answer every question with a flag instead.
 */
import { createInterface, type Interface } from 'node:readline/promises';
import { Writable } from 'node:stream';

/** Asks a person. */
export interface Prompter {
  /** A line; an empty answer takes `fallback`. */
  ask(question: string, fallback?: string): Promise<string>;
  /** One of `options` (its number or its name); an empty answer takes `fallback`. */
  choose(question: string, options: readonly string[], fallback: string): Promise<string>;
  /** Yes or no; an empty answer takes `fallback`. */
  confirm(question: string, fallback: boolean): Promise<boolean>;
  /** A secret, not echoed. */
  secret(question: string): Promise<string>;
  /** Lets the terminal go. */
  close(): void;
}

/** A prompter on a terminal's streams. */
export function createPrompter(input: NodeJS.ReadableStream, output: NodeJS.WritableStream): Prompter {
  let muted = false;
  // readline echoes through its output stream; while a secret is typed, the echo goes nowhere.
  const echo = new Writable({
    write(chunk, _encoding, callback) {
      if (!muted) output.write(chunk);
      callback();
    },
  });
  const rl: Interface = createInterface({ input, output: echo, terminal: true });
  const ask = async (question: string, fallback?: string) => {
    const answer = (await rl.question(`${question}${fallback ? ` [${fallback}]` : ''}: `)).trim();
    return answer || fallback || '';
  };
  return {
    ask,
    async choose(question, options, fallback) {
      for (;;) {
        const answer = await ask(`${question} (${options.join(', ')})`, fallback);
        const byNumber = /^\d+$/.test(answer) ? options[Number(answer) - 1] : undefined;
        const picked = byNumber ?? options.find((option) => option === answer);
        if (picked) return picked;
        output.write(`Please answer one of: ${options.join(', ')}\n`);
      }
    },
    async confirm(question, fallback) {
      for (;;) {
        const answer = (await rl.question(`${question} [${fallback ? 'Y/n' : 'y/N'}]: `))
          .trim()
          .toLowerCase();
        if (!answer) return fallback;
        if (answer === 'y' || answer === 'yes') return true;
        if (answer === 'n' || answer === 'no') return false;
      }
    },
    async secret(question) {
      output.write(`${question}: `);
      muted = true;
      try {
        return (await rl.question('')).trim();
      } finally {
        muted = false;
        output.write('\n');
      }
    },
    close: () => rl.close(),
  };
}
