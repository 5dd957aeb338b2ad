// `node --require @elkhound/auto-register app.js`
import { start } from './start';

start();
