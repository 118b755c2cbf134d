// What commands may touch of the outside world, so tests can run the CLI in-process.
export interface CliIo {
  out(line: string): void;
  err(line: string): void;
  env: NodeJS.ProcessEnv;
  cwd: string;
  setExitCode(code: number): void;
}

export function processIo(): CliIo {
  return {
    out: (line) => process.stdout.write(line + "\n"),
    err: (line) => process.stderr.write(line + "\n"),
    env: process.env,
    cwd: process.cwd(),
    setExitCode: (code) => (process.exitCode = code),
  };
}
