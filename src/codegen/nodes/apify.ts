/**
 * ApifyActors: runs an Apify Actor (REST `run-sync-get-dataset-items`) and returns its dataset
 * items as Data (optionally only some fields, optionally flattened); its `tool` output is the
 * Actor as an agent tool named `apify_actor_<actor id>` taking the run input as JSON, as
 * LangFlow builds it. Token from `apify_token` or APIFY_API_TOKEN; APIFY_API_URL for stand-ins.
 */
import { bool, str, type NodeGenerator } from './generator.js';

export const apifyActors: NodeGenerator = {
  types: ['ApifyActors'],
  template: 'nodes/apify.py',
  runtime: ['services', 'tools'],
  outputs: { output: 'list', tool: 'list' },
  vars(ctx) {
    const actorId = str(ctx, 'actor_id', 'apify/website-content-crawler') || 'apify/website-content-crawler';
    const fields = str(ctx, 'dataset_fields')
      .replace(/['"`]/g, '')
      .split(',')
      .map((f) => f.trim())
      .filter(Boolean);
    return {
      token: ctx.secret('apify_token', 'APIFY_API_TOKEN'),
      actor_id: actorId,
      run_input: str(ctx, 'run_input', '{}') || '{}',
      fields,
      flatten: bool(ctx, 'flatten_dataset', false),
      // LangFlow's tool: no tools_metadata, the name comes from the Actor id.
      tools: [
        {
          name: `apify_actor_${actorId.replace(/[^A-Za-z0-9_-]/g, '_')}`,
          description: `Run the Apify Actor ${actorId} with the given input and return its dataset items.`,
          args: {
            run_input: {
              type: 'string',
              description: "The Actor's input, JSON encoded as a string (STRICTLY FOLLOW JSON FORMAT AND THE ACTOR'S INPUT SCHEMA).",
            },
          },
          status: true,
        },
      ],
    };
  },
};
