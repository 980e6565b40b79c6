// The phone controller: joins a game, streams DeviceMotion samples in batches about every 100 ms, and
// resends any batch the server has not acknowledged (the server drops duplicates by seq).
(() => {
  const $ = (id) => document.getElementById(id);
  const params = new URLSearchParams(location.search);
  if (params.get("game")) $("game").value = params.get("game");

  let player, connection, seq = 0, samples = [], sent = 0;
  const unacked = new Map();

  function onMotion(e) {
    const a = e.accelerationIncludingGravity;
    if (!a || a.x == null) return;
    samples.push({ t: e.timeStamp, x: a.x, y: a.y, z: a.z });
  }

  async function send(batch) {
    try {
      const ack = await connection.invoke("SendMotion", batch);
      if (ack.accepted) { unacked.delete(batch.seq); sent++; $("sent").textContent = sent; }
    } catch { /* stays unacknowledged; resent on the next tick */ }
  }

  function tick() {
    if (!connection || connection.state !== "Connected") return;
    if (samples.length) {
      const batch = { gameId: player.gameId, playerId: player.playerId, seq: ++seq, samples };
      samples = [];
      unacked.set(batch.seq, batch);
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
