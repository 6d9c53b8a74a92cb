/*
 * Prelude of GET /js/script.cookie.js, the tracker for sites that chose to
 * recognise returning visitors with a first-party cookie (site setting; the
 * site asks its visitors' consent). It keeps a random id in the mops_id
 * cookie of the site's own domain for a year (renewed on each visit) and
 * hands it to the tracker below as window.mops_cid, which sends it as "c".
 * Visitors who opted out (localStorage.mops_ignore = "true") get no cookie.
 * Same minifier rules as script.js.
 */
(()=>{
try{
if(localStorage.mops_ignore=='true')return;
var m=document.cookie.match(/(?:^|; )mops_id=([0-9a-f]{32})/),id=m&&m[1];
id=id||[...crypto.getRandomValues(new Uint8Array(16))].map(b=>(b+256).toString(16).slice(1)).join('');
document.cookie='mops_id='+id+';max-age=31536000;path=/;samesite=lax'+(location.protocol=='https:'?';secure':'');
window.mops_cid=id;
}catch(_){}
})();
