// Command-line arguments of `verbatim`, parsed with node:util parseArgs into a typed command.
import { parseArgs } from 'node:util';

export type OutputFormat = 'txt' | 'json' | 'srt' | 'vtt';
const FORMATS: readonly OutputFormat[] = ['txt', 'json', 'srt', 'vtt'];

export interface TranscribeCommand {
  command: 'transcribe';
  file: string;
  domain?: string;
  vocabulary: string[];
  format: OutputFormat;
  modelDir?: string;
  threads?: number;
  useLm: boolean;
  output?: string;
  quiet: boolean;
}

export type Command = TranscribeCommand | { command: 'help' } | { command: 'version' };

export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

export const USAGE = `Usage: verbatim transcribe <file> [options]

Transcribe a local audio file (any format ffmpeg reads) with the Verbatim speech engine.

Options:
  --domain <name>         boost a domain vocabulary of the model (e.g. medicine, software)
  --vocabulary "<a,b>"    comma-separated words or phrases to boost
  --format <fmt>          txt (default), json, srt or vtt
  --model-dir <dir>       model folder (default: VERBATIM_MODEL_DIR or the shipped model)
  --threads <n>           CPU threads for inference (default 1)
  --no-lm                 decode without the language model
  -o, --output <file>     write the result to a file instead of stdout
  -q, --quiet             no progress on stderr
  -h, --help              show this help
`;

export function parseCommand(argv: string[]): Command {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      strict: true,
      options: {
        domain: { type: 'string' },
        vocabulary: { type: 'string' },
        format: { type: 'string', default: 'txt' },
        'model-dir': { type: 'string' },
        threads: { type: 'string' },
        'no-lm': { type: 'boolean', default: false },
        output: { type: 'string', short: 'o' },
        quiet: { type: 'boolean', short: 'q', default: false },
        help: { type: 'boolean', short: 'h', default: false },
        version: { type: 'boolean', default: false },
      },
    });
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  const { values, positionals } = parsed;
  if (values.help) return { command: 'help' };
  if (values.version) return { command: 'version' };
  const [cmd, ...rest] = positionals;
  if (!cmd) throw new UsageError('missing command (try: verbatim transcribe <file>)');
  if (cmd !== 'transcribe') throw new UsageError(`unknown command "${cmd}" (the command is: transcribe)`);
  if (rest.length === 0) throw new UsageError('missing <file> to transcribe');
  if (rest.length > 1) throw new UsageError(`one file at a time (got ${rest.length})`);
  const format = values.format as string;
  if (!FORMATS.includes(format as OutputFormat)) throw new UsageError(`--format must be one of ${FORMATS.join(', ')} (got "${format}")`);
  let threads: number | undefined;
  if (values.threads !== undefined) {
    threads = Number(values.threads);
    if (!Number.isInteger(threads) || threads < 1 || threads > 256) throw new UsageError(`--threads must be a whole number from 1 (got "${values.threads}")`);
  }
  const vocabulary = (values.vocabulary ?? '').split(',').map((v) => v.trim()).filter(Boolean);
  return {
    command: 'transcribe',
    file: rest[0]!,
    ...(values.domain ? { domain: values.domain } : {}),
    vocabulary,
    format: format as OutputFormat,
    ...(values['model-dir'] ? { modelDir: values['model-dir'] } : {}),
    ...(threads ? { threads } : {}),
    useLm: !values['no-lm'],
    ...(values.output ? { output: values.output } : {}),
    quiet: values.quiet ?? false,
  };
}
