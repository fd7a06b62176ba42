import * as sqlite3 from 'sqlite3';

/**
 * The sqlite3 module as TypeORM's driver, without its long-stack-trace mode. TypeORM calls
 * `verbose()` on the module it loads, which wraps every prepare/run/all/get/exec in a function
 * that makes a `new Error()` and `util.inspect`s every argument (chunk blobs included) on every
 * call, to decorate the rare error's stack. Measured on a restart with 1,000 agents: about a
 * third of the server's CPU in queries went there (docs/architecture.md, "Restart and reconnect
 * storm"). Errors keep their SQLite message and code; only that extra stack is gone.
 */
export function quietSqlite3(): typeof sqlite3 {
  return { ...sqlite3, verbose: () => quiet } as typeof sqlite3;
}

const quiet = sqlite3;
