// The phone controller: joins a game, streams DeviceMotion samples in batches about every 100 ms, and
// resends any batch the server has not acknowledged (the server drops duplicates by seq).
(() => {
  const $ = (id) => document.getElementById(id);
  const params = new URLSearchParams(location.search);
  if (params.get("game")) $("game").value = params.get("game");

  let player, connection, seq = 0, samples = [], sent = 0, lastT = -Infinity;
  const unacked = new Map();

  function onMotion(e) {
    const a = e.accelerationIncludingGravity;
    if (!a || a.x == null) return;
    // The server drops a sample whose device time does not increase; an event without a usable timeStamp
    // (some synthetic or polyfilled events) gets the page clock instead.
    let t = e.timeStamp > lastT ? e.timeStamp : performance.now();
    if (!(t > lastT)) t = lastT + 1;
    lastT = t;
    samples.push({ t, x: a.x, y: a.y, z: a.z });
    if (samples.length === 1) showPending();
  }

  // Batches not yet acknowledged, counting the one being filled: 0 means everything shaken so far is durable.
  function showPending() { $("pending").textContent = unacked.size + (samples.length ? 1 : 0); }

  async function send(batch) {
    try {
      const ack = await connection.invoke("SendMotion", batch);
      if (ack.accepted && unacked.delete(batch.seq)) { sent++; $("sent").textContent = sent; showPending(); }
    } catch { /* stays unacknowledged; resent on the next tick */ }
  }

  function tick() {
    if (!connection || connection.state !== "Connected") return;
    if (samples.length) {
      const batch = { gameId: player.gameId, playerId: player.playerId, seq: ++seq, samples };
      samples = [];
      unacked.set(batch.seq, batch);
      showPending();
      $("last-seq").textContent = batch.seq;
    }
    for (const batch of unacked.values()) send(batch);
  }

  $("join-form").onsubmit = async (e) => {
    e.preventDefault();
    const code = $("game").value.trim().toUpperCase();
    const r = await fetch(`/api/games/${code}/players`, {
      method: "POST", headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ nickname: $("nickname").value, team: $("team").value }),
    });
    if (!r.ok) { alert((await r.json()).detail); return; }
    player = await r.json();
    $("join-form").hidden = true;
    $("playing").hidden = false;
    $("hello").textContent = `Hi ${player.nickname}!`;
    $("playing").dataset.playerId = player.playerId;
    connection = new signalR.HubConnectionBuilder()
      .withUrl(`/hubs/phone?access_token=${encodeURIComponent(player.token)}`)
      .withHubProtocol(new signalR.protocols.msgpack.MessagePackHubProtocol())
      .withAutomaticReconnect()
      .build();
    await connection.start();
    $("state").textContent = "Connected";
    setInterval(tick, 100);
  };

  $("motion").onclick = async () => {
    if (typeof DeviceMotionEvent !== "undefined" && typeof DeviceMotionEvent.requestPermission === "function") {
      if (await DeviceMotionEvent.requestPermission() !== "granted") { $("state").textContent = "Motion permission denied"; return; }
    }
    window.addEventListener("devicemotion", onMotion);
    $("motion").hidden = true;
    $("state").textContent = "Shake!";
  };
})();
