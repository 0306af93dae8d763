import { pagesSuite } from './suite.js';

pagesSuite('keycloak');
