/**
 * AssemblyAI transcription: the job creator uploads the audio (a stored file, else its URL)
 * and starts a transcript; the poller waits for it and returns the transcript as Data. REST API
 * (ASSEMBLYAI_API_URL for stand-ins); key from `api_key` or ASSEMBLYAI_API_KEY. With neither
 * file nor URL set (the starter project) the audio file is named at run time by FLOWC_FILE.
 * LangFlow 1.13's Transcriber does both in one node, for an audio URL.
 */
import type { PyValue } from '../python.js';
import { bool, constant, input, num, str, type NodeGenerator } from './generator.js';

export const assemblyAiCreator: NodeGenerator = {
  types: ['AssemblyAITranscriptionJobCreator'],
  template: 'nodes/assemblyai_submit.py',
  runtime: ['media', 'files'],
  outputs: { transcript_id: 'Data' },
  vars(ctx) {
    const raw = constant<PyValue>(ctx, 'audio_file', '');
    const audioFile = typeof raw === 'string' ? raw : '';
    const audioUrl = input(ctx, 'audio_file_url');
    if (!audioFile && 'value' in audioUrl && !audioUrl.value) {
      ctx.warn('audio_file', 'no audio file or URL: the file is named at run time by FLOWC_FILE (docs/compiler.md)');
    }
    const speakers = num(ctx, 'speakers_expected');
    return {
      api_key: ctx.secret('api_key', 'ASSEMBLYAI_API_KEY'),
      audio_file: audioFile,
      audio_url: audioUrl,
      options: {
        speech_model: str(ctx, 'speech_model', 'best') || 'best',
        language_code: str(ctx, 'language_code') || null,
        language_detection: bool(ctx, 'language_detection', false),
        speaker_labels: bool(ctx, 'speaker_labels', true),
        speakers_expected: speakers === null ? null : Math.trunc(speakers),
        punctuate: bool(ctx, 'punctuate', true),
        format_text: bool(ctx, 'format_text', true),
      },
    };
  },
};

export const assemblyAiPoller: NodeGenerator = {
  types: ['AssemblyAITranscriptionJobPoller'],
  template: 'nodes/assemblyai_poll.py',
  runtime: ['media'],
  outputs: { transcription_result: 'Data' },
  vars: (ctx) => ({
    api_key: ctx.secret('api_key', 'ASSEMBLYAI_API_KEY'),
    transcript_id: input(ctx, 'transcript_id'),
    polling_interval: num(ctx, 'polling_interval') ?? 3,
  }),
};

export const assemblyAiTranscriber: NodeGenerator = {
  types: ['AssemblyAITranscriber'],
  template: 'nodes/assemblyai_transcribe.py',
  runtime: ['media', 'files'],
  outputs: { transcript: 'Message' },
  vars: (ctx) => ({
    api_key: ctx.secret('api_key', 'ASSEMBLYAI_API_KEY'),
    audio_url: input(ctx, 'audio_url'),
    options: { speaker_labels: bool(ctx, 'speaker_labels', false) || null, language_code: str(ctx, 'language_code').trim() || null },
    timeout: Math.max(0, num(ctx, 'poll_timeout') ?? 300) || 300,
  }),
};
