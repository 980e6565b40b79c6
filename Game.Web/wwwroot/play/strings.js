// The phone page's words, English and Japanese (chosen from navigator.language by localize).
import { localize } from "/shared/game.js";

export const t = localize({
  en: {
    "join.lead": "Join the game on the big screen.", "join.code": "Game code", "join.nickname": "Your name", "join.team": "Team (optional)",
    "join.button": "Join", "join.failed": "Could not join: {reason}",
    "motion.button": "Enable motion", "motion.ask": "Tap the button so your phone can feel the shakes.",
    "motion.insecure": "Motion sensors only work on a secure page. Ask the host for the https:// link.",
    "motion.missing": "This device has no motion sensor, or the browser keeps it switched off. You can still watch the big screen!",
    "motion.denied": "Motion access was denied. Allow Motion & Orientation for this site in your browser settings, then reload.",
    "state.connecting": "Connecting…", "state.lobby": "You're in!", "state.lobby.small": "Waiting for the host to start the round.",
    "state.countdown.small": "Get ready…", "state.running": "SHAKE!", "state.running.small": "{time} left — shake as hard as you can!",
    "state.finished": "Time's up!", "state.finished.ranked": "You finished #{rank} with {score} points.", "state.finished.unranked": "You scored {score} points. Well shaken!",
    "state.finished.plain": "Look at the big screen for the results.",
    "score.rank": "Rank", "score.score": "Score", "score.team": "Team",
    "diag.sent": "sent", "diag.waiting": "waiting", "leave": "Not you?",
    "hello": "Hi {name}!", "wakelock": "Keep this screen on while you play.",
    "say.countdown": "Get ready: the round starts in a few seconds.", "say.running": "Shake now!",
  },
  ja: {
    "join.lead": "大きな画面のゲームに参加しよう。", "join.code": "ゲームコード", "join.nickname": "ニックネーム", "join.team": "チーム（任意）",
    "join.button": "参加する", "join.failed": "参加できませんでした: {reason}",
    "motion.button": "モーションを有効にする", "motion.ask": "ボタンをタップして、スマホが振りを感じられるようにしてください。",
    "motion.insecure": "モーションセンサーは安全なページ（https://）でしか使えません。主催者に https のリンクを聞いてください。",
    "motion.missing": "この端末にはモーションセンサーがないか、ブラウザがオフにしています。大きな画面で観戦できます！",
    "motion.denied": "モーションへのアクセスが拒否されました。ブラウザの設定でこのサイトの「モーションと画面の向き」を許可して、再読み込みしてください。",
    "state.connecting": "接続中…", "state.lobby": "参加しました！", "state.lobby.small": "ホストがラウンドを始めるのを待っています。",
    "state.countdown.small": "準備して…", "state.running": "振って！", "state.running.small": "残り {time} — 思いきり振ろう！",
    "state.finished": "終了！", "state.finished.ranked": "{rank}位、{score}点でした。", "state.finished.unranked": "{score}点でした。おつかれさま！",
    "state.finished.plain": "結果は大きな画面で。",
    "score.rank": "順位", "score.score": "スコア", "score.team": "チーム",
    "diag.sent": "送信", "diag.waiting": "待機", "leave": "別の人で参加",
    "hello": "こんにちは、{name}さん！", "wakelock": "プレイ中は画面をつけたままにしてください。",
    "say.countdown": "まもなくラウンドが始まります。", "say.running": "振って！",
  },
});
