/**
 * YouTube: YouTubeCommentsComponent (YouTube Data API v3 commentThreads; YOUTUBE_API_URL, key
 * from `api_key` or YOUTUBE_API_KEY) and YouTubeTranscripts (the video's caption track read as
 * YouTube's player reads it; YOUTUBE_URL), both with local stand-ins in tests. Transcripts in
 * tool mode give three tools (chunks, text, data), as in LangFlow.
 */
import { bool, input, num, str, type NodeGenerator } from './generator.js';
import { toolSpecs } from './tools.js';

export const youtubeComments: NodeGenerator = {
  types: ['YouTubeCommentsComponent'],
  template: 'nodes/youtube_comments.py',
  runtime: ['media', 'tools'],
  outputs: { comments: 'Table', component_as_tool: 'list' },
  vars: (ctx) => ({
    api_key: ctx.secret('api_key', 'YOUTUBE_API_KEY'),
    video_url: input(ctx, 'video_url'),
    options: {
      max_results: Math.trunc(num(ctx, 'max_results') ?? 20),
      sort_by: str(ctx, 'sort_by', 'relevance') || 'relevance',
      include_replies: bool(ctx, 'include_replies', false),
      include_metrics: bool(ctx, 'include_metrics', true),
    },
    tools: toolSpecs(ctx, [
      {
        name: 'get_video_comments',
        description: 'Retrieves and analyzes comments from YouTube videos.',
        args: { video_url: { type: 'string', description: 'The URL of the YouTube video to get comments from.' } },
        status: true,
      },
    ]),
  }),
};

const URL_ARGS = { url: { type: 'string', description: 'Enter the YouTube video URL to get transcripts from.' } };

export const youtubeTranscripts: NodeGenerator = {
  types: ['YouTubeTranscripts'],
  template: 'nodes/youtube_transcripts.py',
  runtime: ['media', 'tools'],
  outputs: { dataframe: 'Table', message: 'Message', data_output: 'Data', component_as_tool: 'list' },
  vars: (ctx) => ({
    url: input(ctx, 'url'),
    chunk_seconds: Math.trunc(num(ctx, 'chunk_size_seconds') ?? 60),
    translation: str(ctx, 'translation'),
    tools: toolSpecs(ctx, [
      { name: 'get_dataframe_output', description: 'The transcript in timed chunks.', args: URL_ARGS, status: true },
      { name: 'get_message_output', description: 'The transcript as continuous text.', args: URL_ARGS, status: true },
      { name: 'get_data_output', description: 'The transcript and the video URL.', args: URL_ARGS, status: true },
    ]),
  }),
};
