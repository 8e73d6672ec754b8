/**
 * `pnpm start`'s entry point (see start.ts for what it does). Loading the app — aws-cdk-lib and every integration —
 * takes a second or two; a Ctrl-C meanwhile is noted here rather than left to kill the process (pnpm would then
 * print `[ELIFECYCLE] Command failed.`), and start.ts stops before starting anything.
 */
let stopAsked = false;
const note = (): void => {
  stopAsked = true;
};
process.on('SIGINT', note);
process.on('SIGTERM', note);

const { main } = await import('./start.ts');
// Exit explicitly: kept-alive sockets must not hold the process open after the cloud has stopped.
process.exit(await main(process.argv.slice(2), () => stopAsked));
