#!/usr/bin/env node
/** The `seq2seq` command line. Every failure ends in one plain line on stderr and a non-zero exit. */
import { Command, CommanderError } from 'commander';

const program = new Command()
  .name('seq2seq')
  .description('Sutskever-style sequence-to-sequence translators on libtorch')
  .showHelpAfterError()
  .exitOverride();

program
  .command('doctor')
  .description('print the libtorch, CUDA, C++ ABI, BLAS, threads and devices in use, and self-test each device')
  .option('--json', 'print the report as JSON')
  .action(async (options: { json?: boolean }) => {
    // Imported here so that `--help` works even when the addon cannot load.
    const { doctor, formatDoctor } = await import('./doctor.js');
    const report = doctor();
    console.log(options.json ? JSON.stringify(report, null, 2) : formatDoctor(report));
    if (report.selfTest.some((t) => !t.ok)) process.exitCode = 1;
  });

try {
  await program.parseAsync();
} catch (err) {
  if (err instanceof CommanderError) {
    process.exitCode = err.exitCode;
  } else {
    // The addon's load error spans several lines of advice: keep it whole; anything else is one line.
    const message = err instanceof Error ? err.message : String(err);
    console.error(`seq2seq: ${message.startsWith('Could not load') ? message : message.split('\n')[0]}`);
    process.exitCode = 1;
  }
}
