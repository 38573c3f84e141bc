// Structured logs (pino), one child logger per module so lines say where they come from.
import { pino, type Logger } from 'pino';

export type { Logger };

export function createLogger(level: string, name = 'pampero'): Logger {
  return pino({ name, level });
}
