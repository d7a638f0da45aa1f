// What a task id and a room id may be: the API's rules, which every way in (HTTP, ZEGO's answers, its
// listing) holds them to. Pure: the HTTP layer turns a broken rule into a 400, the others leave the id out.

/** Contract: 1–64 letters, digits, - and _ (ZEGO's own TaskIds are 16 characters). */
export const TASK_ID = /^[A-Za-z0-9_-]{1,64}$/;
// ZEGO: a RoomId is at most 128 bytes of printable ASCII (letters, digits and a set of symbols).
export const ROOM_ID = /^[\x21-\x7e]{1,128}$/;

export const isTaskId = (value: unknown): value is string => typeof value === 'string' && TASK_ID.test(value);
export const isRoomId = (value: unknown): value is string => typeof value === 'string' && ROOM_ID.test(value);

/**
 * The room id a task should carry, given the one it has and one ZEGO just told: a task keeps the room it was
 * tracked with; one without a room adopts ZEGO's, but only when it follows the rule (ZEGO's answers are
 * untrusted input too).
 */
export function adoptRoomId(current: string | undefined, fromZego: string | undefined): string | undefined {
  if (current !== undefined) return current;
  return isRoomId(fromZego) ? fromZego : undefined;
}
