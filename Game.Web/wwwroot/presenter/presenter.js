// The presenter display: creates or watches a game and draws the frames the server pushes.
(() => {
  const params = new URLSearchParams(location.search);
  if (params.get("key")) localStorage.setItem("presenterKey", params.get("key"));
  const key = localStorage.getItem("presenterKey") || "";
  let gameId = params.get("game");
  let connection;

  const $ = (id) => document.getElementById(id);
  const api = (path, body) => fetch(path, {
    method: "POST",
    headers: { "Content-Type": "application/json", "Authorization": `Bearer ${key}` },
    body: JSON.stringify(body ?? {}),
  }).then(async (r) => { if (!r.ok) throw new Error((await r.json()).detail || r.statusText); return r.json(); });

  function draw(frame) {
    // SignalR's MessagePack protocol writes enums as their names ("Running"); a number is accepted too.
    const phase = typeof frame.phase === "number" ? ["lobby", "countdown", "running", "finished"][frame.phase] : String(frame.phase).toLowerCase();
    $("status").textContent = phase;
    $("status").dataset.phase = phase;
    $("players").textContent = `${frame.playerCount} players`;
    const list = $("leaders");
    list.replaceChildren(...frame.leaders.map((p) => {
      const li = document.createElement("li");
      li.dataset.player = p.playerId;
      li.dataset.testid = "leader";
      li.innerHTML = `<span class="name" data-testid="leader-name"></span><span class="score" data-testid="leader-score"></span>`;
      li.querySelector(".name").textContent = p.nickname;
      li.querySelector(".score").textContent = Number(p.score).toLocaleString(navigator.language);
      return li;
    }));
  }

  async function watch(id) {
    gameId = id;
    $("code").textContent = id;
    $("join-url").textContent = `${location.origin}/play?game=${id}`;
    $("start").disabled = $("stop").disabled = false;
    history.replaceState(null, "", `/?game=${id}`);
    connection = new signalR.HubConnectionBuilder()
      .withUrl("/hubs/presenter")
      .withHubProtocol(new signalR.protocols.msgpack.MessagePackHubProtocol())
      .withAutomaticReconnect()
      .build();
    connection.on("Frame", draw);
    connection.onreconnected(async () => draw(await connection.invoke("Watch", gameId, false)));
    await connection.start();
    draw(await connection.invoke("Watch", gameId, false));
  }

  $("create").onclick = async () => watch((await api("/api/games")).gameId);
  $("start").onclick = () => api(`/api/games/${gameId}/start`);
  $("stop").onclick = () => api(`/api/games/${gameId}/stop`);
  if (gameId) watch(gameId);
})();
