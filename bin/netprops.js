#!/usr/bin/env node
// The netprops CLI. The sources are TypeScript run through tsx's loader, so `npx netprops`
// works straight after `npm ci` with no build step.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../cli/main.ts');
process.exitCode = await main(process.argv.slice(2));
