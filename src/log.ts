/**
 * The process logger: one structured line per event. JSON when stderr is not a terminal, and
 * never a secret (see `redact`). Other modules import `log` and add context with `log.child`.
 */
import { pino } from 'pino';

export const log = pino(
  {
    name: 'flowc',
    level: process.env.FLOWC_LOG_LEVEL ?? 'info',
    redact: { paths: ['token', '*.token', 'authorization', '*.authorization', 'apiKey', '*.apiKey', 'secret', '*.secret'], censor: '[redacted]' },
  },
  pino.destination({ fd: 2, sync: true }),
);

export type Logger = typeof log;
