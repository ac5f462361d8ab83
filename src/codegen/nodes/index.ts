/**
 * The component registry: canonical LangFlow type → generator. A plain map, built once from the
 * component modules; nothing registers itself at import time.
 */
import { agent } from './agent.js';
import { agentql } from './agentql.js';
import { apiRequest } from './api_request.js';
import { apifyActors } from './apify.js';
import { assemblyAiCreator, assemblyAiPoller, assemblyAiTranscriber } from './assemblyai.js';
import { batchRun, splitText } from './batch.js';
import { calculator } from './calculator.js';
import { chatInput, chatOutput } from './chat.js';
import type { NodeGenerator } from './generator.js';
import { file } from './file.js';
import { knowledge, memoryBase } from './knowledge.js';
import { loop } from './loop.js';
import { memory } from './memory.js';
import { needle } from './needle.js';
import { anthropicModel, googleModel, languageModel, ollamaModel, openaiModel } from './models.js';
import { parser } from './parser.js';
import { prompt } from './prompt.js';
import { conditionalRouter } from './router.js';
import { saveFile } from './save_file.js';
import { scrapeGraphSearch } from './scrapegraph.js';
import { arxiv, searchApi } from './search.js';
import { structuredOutput } from './structured_output.js';
import { tavily } from './tavily.js';
import { textInput, textOutput } from './text.js';
import { url } from './url.js';
import { astraDb, chroma, embeddingModelNode, faiss, ollamaEmbeddings, openaiEmbeddings } from './vectors.js';
import { yfinance } from './yfinance.js';
import { youtubeComments, youtubeTranscripts } from './youtube.js';

const GENERATORS: NodeGenerator[] = [
  chatInput,
  chatOutput,
  textInput,
  textOutput,
  prompt,
  languageModel,
  openaiModel,
  anthropicModel,
  googleModel,
  ollamaModel,
  memory,
  parser,
  structuredOutput,
  agent,
  calculator,
  url,
  tavily,
  apiRequest,
  conditionalRouter,
  loop,
  file,
  arxiv,
  searchApi,
  agentql,
  batchRun,
  splitText,
  saveFile,
  scrapeGraphSearch,
  apifyActors,
  needle,
  yfinance,
  assemblyAiCreator,
  assemblyAiPoller,
  assemblyAiTranscriber,
  youtubeComments,
  youtubeTranscripts,
  openaiEmbeddings,
  ollamaEmbeddings,
  embeddingModelNode,
  faiss,
  chroma,
  astraDb,
  knowledge,
  memoryBase,
];

export const registry: ReadonlyMap<string, NodeGenerator> = new Map(GENERATORS.flatMap((g) => g.types.map((t) => [t, g] as const)));

/** Supported canonical types, sorted (listed in docs/compiler.md and in refusals). */
export const supportedTypes = (): string[] => [...registry.keys()].sort();

export type { NodeGenerator, GenContext } from './generator.js';
