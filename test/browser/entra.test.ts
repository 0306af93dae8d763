import { pagesSuite } from './suite.js';

pagesSuite('entra');
