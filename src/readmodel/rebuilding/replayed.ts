/** How far a replay got: the cursor of the last event it applied, and how many events it read after its start. */
export type Replayed = Readonly<{ position: string; events: number }>;
