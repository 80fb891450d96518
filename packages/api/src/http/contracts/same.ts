/**
 * Compile-time check that a response schema describes exactly a type core or evals declares as a TypeScript interface
 * (both assignable to each other, as JSON carries them), so the HTTP contract cannot drift from the function that
 * produces the body: `export type LeaderboardIsCore = Check<Same<z.infer<typeof LeaderboardBody>, Leaderboard>>;`
 * fails to compile otherwise.
 */
export type Same<A, B> = [Json<A>] extends [Json<B>] ? ([Json<B>] extends [Json<A>] ? true : Mismatch<B, A>) : Mismatch<A, B>;

/** What a failed check reports: the value type that is not assignable to the other. */
interface Mismatch<From, To> {
  notAssignable: From;
  to: To;
}

/** Fails to compile unless T is `true`. */
export type Check<T extends true> = T;

/** A type as JSON carries it: a property that is optional or may be undefined is left out when undefined. */
type Json<T> = T extends readonly unknown[]
  ? { [I in keyof T]: Json<T[I]> }
  : T extends object
    ? Flat<
        { [K in keyof T as Absent<T, K> extends true ? never : K]: Json<T[K]> } & {
          [K in keyof T as Absent<T, K> extends true ? K : never]?: Json<Exclude<T[K], undefined>> | undefined;
        }
      >
    : T;
type Absent<T, K extends keyof T> = undefined extends T[K] ? true : Record<never, never> extends Pick<T, K> ? true : false;
type Flat<T> = { [K in keyof T]: T[K] };
