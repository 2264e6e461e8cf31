/**
 * The current event looked up against its agent's profile: which endpoint slot, network, user
 * agent, token and object tracker it hits, the surprise of its hop, and the decay factors since
 * the agent's previous event. `AgentProfile.prepare` fills it once per event; detectors read it;
 * `absorb` uses it. One instance per store, shared by every profile, so profiles do not pay for
 * per-event scratch (the engine handles one event at a time, synchronously).
 */
export class EventCursor {
  /** Endpoint key of the event. */
  key = 0;
  /** Slot of the event's endpoint, or -1 when the agent never used it (isNew). */
  slot = -1;
  /** Whether the endpoint is new to this agent (false once past the endpoint cap: it then lands in overflow). */
  isNew = false;
  /**
   * Surprise (nats) of the hop from the previous endpoint in this session; 0 for a hop that is
   * not judged (into a new endpoint, or out of one with too few transitions); NaN when the event
   * starts a session or is late (behind the agent's clock: its predecessor in time is unknown).
   */
  hop = Number.NaN;
  hopJudged = false;
  netKey = 0;
  uaKey = 0;
  tokenKey = 0;
  /** Index of the event's network / user agent / token in their lists, -1 when new. */
  net = -1;
  ua = -1;
  token = -1;
  /** Object tracker of the event's endpoint, -1 when none yet. */
  obj = -1;
  /** 31-bit key of the event's object id (numeric ids keep their order), 0 when it has none. */
  objKey = 0;
  /**
   * The request found nothing: 401/403/404, or a read operation answered 2xx with a body far
   * smaller than the endpoint's usual (GraphQL's "not found" is a 200 with an `errors` body).
   */
  missed = false;
  /** Whether the object id already appears among the endpoint's recent ids. */
  objSeen = false;
  /** Length of the chain of constant-step ids this access extends (1: none), and its step. */
  run = 1;
  runStep = 0;
  /** Ring index of the chain's previous id, -1 when none. */
  runFrom = -1;
  /**
   * Record read by this event (a successful GET/HEAD of an object id), keyed by the resource path
   * up to the id plus the id, so `/customers/7` and `/customers/7/orders` are one record; 0 when none.
   */
  recKey = 0;
  /** Its entry in the recent-records ring, -1 when new; its endpoint mask with this event; whether this event completes it (REC_DEPTH). */
  recIndex = -1;
  recMask = 0;
  recFull = false;
  /** A DELETE, or a write (POST/PUT/PATCH) to an administrative/internal-looking route. */
  privileged = false;
  /** A new endpoint whose path looks like scanner reconnaissance. */
  scanner = false;
  /**
   * The agent's clock at this event: the event's timestamp, or the agent's latest event time when
   * the event is older (Kafka interleaving, gateways logging at completion). Profile, detectors and
   * risk measure time on it, so nothing learned or decayed ever sees time go backwards.
   */
  time = 0;
  /** How far the event's own timestamp is behind the agent's clock (0 when in order). */
  lag = 0;
  /** Agent clock advance since the agent's previous event (0 when out of order), and the decay factors over it. */
  dt = 0;
  decayShort = 1;
  decayLong = 1;
  decayVolume = 1;
  decayPeak = 1;
  decayProbe = 1;
  decayEndpoint = 1;
  /**
   * Weight of a late event in the short, volume and probe-window counters: exp(-lag / tau), with lag
   * how far the event is behind the agent's clock (1 in order). A decayed count then holds the same
   * value whatever order the events came in, so a backlog of late events is no burst.
   */
  lateShort = 1;
  lateVolume = 1;
  lateProbe = 1;
}
