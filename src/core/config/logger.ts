/** The core logs through this; the extension adapts a LogOutputChannel, the CLI stderr (with --verbose). */
export interface Logger {
  trace(message: string): void;
  info(message: string): void;
  warn(message: string): void;
}

export const silentLogger: Logger = { trace() {}, info() {}, warn() {} };
