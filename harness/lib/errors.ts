/**
 * Errors a user can act on. A `UsageError` is bad input or a missing prerequisite: the
 * CLI prints its message (which names the file, the field and the fix) and exits 2
 * before anything starts.
 */
export class UsageError extends Error {
  readonly exitCode = 2;
  constructor(
    message: string,
    readonly details: { file?: string; field?: string; fix?: string } = {},
  ) {
    super(UsageError.format(message, details));
    this.name = 'UsageError';
  }

  private static format(message: string, d: { file?: string; field?: string; fix?: string }): string {
    const where = [d.file, d.field].filter(Boolean).join(': ');
    return `${where ? `${where}: ` : ''}${message}${d.fix ? `\n  fix: ${d.fix}` : ''}`;
  }
}
