import { pagesSuite } from './suite.js';

pagesSuite('okta');
