/**
 * YfinanceComponent (Yahoo! Finance): news, prices, corporate actions and company data for a
 * stock symbol from Yahoo's public JSON endpoints (no yfinance package); a tool in tool mode.
 * YAHOO_FINANCE_API_URL points it at a local stand-in in tests. Each LangFlow method maps to
 * one source: the search API (news), the chart API (actions, fast info) or quoteSummary modules.
 */
import { input, num, str, type NodeGenerator } from './generator.js';
import { toolSpecs } from './tools.js';

const SUMMARY: Record<string, string> = {
  get_info: 'assetProfile,summaryDetail,price,defaultKeyStatistics,financialData',
  get_analysis: 'earningsTrend',
  get_balance_sheet: 'balanceSheetHistory',
  get_calendar: 'calendarEvents',
  get_cashflow: 'cashflowStatementHistory',
  get_institutional_holders: 'institutionOwnership',
  get_recommendations: 'recommendationTrend',
  get_recommendations_summary: 'recommendationTrend',
  get_sustainability: 'esgScores',
  get_major_holders: 'majorHoldersBreakdown',
  get_mutualfund_holders: 'fundOwnership',
  get_insider_purchases: 'netSharePurchaseActivity',
  get_insider_transactions: 'insiderTransactions',
  get_insider_roster_holders: 'insiderHolders',
  get_shares: 'defaultKeyStatistics',
  get_sec_filings: 'secFilings',
  get_upgrades_downgrades: 'upgradeDowngradeHistory',
  get_earnings: 'earnings',
  get_income_stmt: 'incomeStatementHistory',
};
const CHART: Record<string, string> = {
  get_actions: 'div,splits',
  get_dividends: 'div',
  get_splits: 'splits',
  get_capital_gains: 'capitalGains',
  get_fast_info: '',
};

export const yfinance: NodeGenerator = {
  types: ['YfinanceComponent'],
  template: 'nodes/yfinance.py',
  runtime: ['services', 'tools'],
  outputs: { dataframe: 'Table', component_as_tool: 'list' },
  vars(ctx) {
    const method = str(ctx, 'method', 'get_news') || 'get_news';
    let source: Record<string, string> = { kind: 'news' };
    if (method in CHART) source = { kind: 'chart', events: CHART[method]!, range: method === 'get_fast_info' ? '1d' : 'max' };
    else if (method in SUMMARY) source = { kind: 'summary', modules: SUMMARY[method]! };
    else if (method !== 'get_news') ctx.fail('method', `unknown Yahoo! Finance method "${method}"`, 'pick one of LangFlow\'s methods (e.g. get_news, get_info)');
    return {
      symbol: input(ctx, 'symbol'),
      source,
      num_news: Math.trunc(num(ctx, 'num_news') ?? 5),
      tools: toolSpecs(ctx, [
        {
          name: 'fetch_content_dataframe',
          description: 'Financial data and market information from Yahoo! Finance.',
          args: { symbol: { type: 'string', description: 'The stock symbol to retrieve data for (e.g., AAPL, GOOG).' } },
          status: true,
        },
      ]),
    };
  },
};
