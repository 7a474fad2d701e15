/**
 * The one logger shape every module takes: pino's (and so Probot's) leveled methods, fields
 * first, then the message. A module that logs only warnings declares `Pick<Log, "warn">`, so a
 * reader sees what it may log and a test passes a small recording object.
 */

/** A pino-style logger: `log.warn({ deliveryId }, "routing failed")`. */
export interface Log {
  debug(fields: object, message: string): void;
  info(fields: object, message: string): void;
  warn(fields: object, message: string): void;
  error(fields: object, message: string): void;
  /** A logger that adds `bindings` to every entry. */
  child(bindings: object): Log;
}
