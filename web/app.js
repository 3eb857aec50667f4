// The krispyto dashboard: plain JavaScript modules, no build step, no dependencies. It is a
// client of the JSON routes like any other: /api/v1 (markets, coins, history, search) and
// /search. This entry module starts the router; each view wires its own controls.

import { showCoin } from './coin.js';
import { showDashboard } from './dashboard.js';
import { startRouter } from './router.js';
import { closeSuggestions } from './search.js';

startRouter({ showDashboard, showCoin, beforeEach: closeSuggestions });
