// Group 2 of the test modules: test/groups/modules.ts says which, and why they run in groups.
// helpers first: its clean-up (afterAll) is the whole file's. git-helpers sets the git identity and
// config isolation in process.env as it loads: every module of the group runs with it.
import '../helpers';
import '../git-helpers';
import { runGroup } from './modules';

runGroup(1);
