// docs/integrate.md's `ts` blocks as one program: imports hoisted to the top, the rest in order
// inside an async main (CommonJS output has no top-level await).
export function guideProgram(markdown: string): string {
  const blocks = [...markdown.matchAll(/^```ts\n([\s\S]*?)^```$/gm)].map((m) => m[1]!);
  if (blocks.length === 0) throw new Error("docs/integrate.md has no ts blocks");
  const imports: string[] = [];
  const body: string[] = [];
  for (const block of blocks) {
    const lines = block.split("\n");
    for (let i = 0; i < lines.length; i++) {
      if (!lines[i]!.startsWith("import ")) {
        body.push(lines[i]!);
        continue;
      }
      const statement = [lines[i]!];
      while (!statement.at(-1)!.trimEnd().endsWith(";")) statement.push(lines[++i]!);
      imports.push(statement.join("\n"));
    }
  }
  return [
    "// Generated from docs/integrate.md by test/package/guide-program.ts.",
    ...imports,
    "",
    "async function main(): Promise<void> {",
    ...body.map((l) => (l.length > 0 ? `  ${l}` : l)),
    "}",
    "",
    "main().then(",
    "  () => process.exit(0), // the provider's polling would keep the process alive",
    "  (err: unknown) => {",
    "    console.error(err);",
    "    process.exit(1);",
    "  },",
    ");",
    "",
  ].join("\n");
}
