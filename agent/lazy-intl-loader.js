/**
 * Webpack loader for @nestjs/common's Logger and ConsoleLogger: each module creates an
 * Intl.DateTimeFormat when it is loaded (for the timestamps of Nest's console log lines). The first
 * one makes V8 initialise ICU's locale, calendar and time-zone data: ~8 MB of RSS measured in a bare
 * Node 20 process (ICU data pages of the node binary plus ICU's own allocations). The agent logs
 * through pino (PinoNestLogger) and never prints those timestamps, so the formatter is created on
 * its first use instead; Nest's output is unchanged when it is used. Fails the build when the code
 * is not found exactly once (a Nest update must not silently bring the cost back).
 */
const PATTERN = /const dateTimeFormatter = new Intl\.DateTimeFormat\(([^;]*?)\);/g;

module.exports = function lazyIntlLoader(source) {
  const matches = source.match(PATTERN) ?? [];
  if (matches.length !== 1) {
    throw new Error(`lazy-intl-loader: expected one module-level Intl.DateTimeFormat in ${this.resourcePath}, found ${matches.length}`);
  }
  return source.replace(
    PATTERN,
    (_, args) =>
      `let dateTimeFormatterInstance;\n` +
      `const dateTimeFormatter = { format: (date) => (dateTimeFormatterInstance ??= new Intl.DateTimeFormat(${args})).format(date) };`,
  );
};
