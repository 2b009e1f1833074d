import { describe, expect, it } from "vitest";
import { EVENTS_PER_OBJECT, eventObjectKey, RecentEvents } from "../../../operator/kube/recent-events.js";

const event = (name: string, count = 1) => ({
  name,
  timeMs: 1000 + count,
  type: "Normal",
  reason: "R",
  message: name,
  count,
  component: "test",
});

describe("RecentEvents", () => {
  it("keeps the last Events of each object, a repeat moving to the end with its count", () => {
    const s = new RecentEvents();
    const a = eventObjectKey("StreamJob", { namespace: "ns", name: "a", uid: "1" });
    for (let i = 0; i < EVENTS_PER_OBJECT + 5; i++) s.add(a, event(`e${i}`));
    s.add(a, event("e10", 3));
    const kept = s.of(a);
    expect(kept).toHaveLength(EVENTS_PER_OBJECT);
    expect(kept[0]!.name).toBe("e5");
    expect(kept.at(-1)).toMatchObject({ name: "e10", count: 3 });
    // Another object, or the same name re-created (another uid), has none of them.
    expect(s.of(eventObjectKey("StreamJob", { namespace: "ns", name: "a", uid: "2" }))).toEqual([]);
  });
});
