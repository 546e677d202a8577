/** The clinic tools `npm run profile` runs: a list of its own, so the command checks --tool without loading the profiler. */
export const PROFILE_TOOLS = ['doctor', 'flame', 'bubbleprof'] as const;
export type ProfileTool = (typeof PROFILE_TOOLS)[number];
