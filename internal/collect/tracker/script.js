/*
 * mops website tracker, served at GET /js/script.js. Plausible-compatible.
 *
 *   <script defer data-domain="example.com" src="https://mops.example.com/js/script.js"></script>
 *
 * Load it as a classic script (defer or async are fine), not as a module
 * nor inline: it reads its settings from document.currentScript.
 *
 * It counts a pageview on load and on SPA navigation (history.pushState,
 * popstate; hashchange with data-hash; never twice in a row for the same
 * path), outbound link clicks ("Outbound Link: Click") and file downloads
 * ("File Download"), with props.url, and per page an "engagement" event
 * (engaged time, scroll depth) when the page is hidden or left.
 *
 * Custom events, from the page (window.plausible is the same function):
 *   mops('Signup', {props: {plan: 'pro'}, revenue: {amount: 49, currency: 'EUR'},
 *                   interactive: true, callback: function (r) {}})
 * Known people: mops.identify('user-42', {email: 'ann@example.com'})
 * links this visitor to the CRM contact (the id may be null).
 * The callback gets {status} (HTTP status), {error}, or nothing when the
 * event was not sent (see below). Option u replaces the page URL sent.
 * Calls made before the script loaded are replayed after the first
 * pageview, when the page defines the usual stub:
 *   <script>window.mops = window.mops || function () {
 *     (window.mops.q = window.mops.q || []).push(arguments) }</script>
 *
 * Attributes of the script tag:
 *   data-domain             required; of a comma-separated list, the first
 *   data-api                event endpoint; default: /api/event at the script's
 *                           origin. A path is relative to the page's origin.
 *   data-hash               hash changes are navigations; URLs keep the hash
 *   data-include-localhost  also track on localhost, 127.x.x.x, [::1] and file:
 *   data-allow-automation   also track in a browser driven by automation
 *                           (navigator.webdriver, PhantomJS, Nightmare,
 *                           Cypress). Only for mops's own browser tests.
 * A visitor opts out with localStorage.mops_ignore = "true". When it does
 * not track, the script warns once in the console and sends nothing.
 *
 * Each event is a POST of JSON as text/plain (no CORS preflight): a beacon
 * for clicks and engagement (it outlives the page), else fetch keepalive.
 *   n   event name: "pageview", "engagement" or the custom name
 *   u   page URL: location.href without the hash (unless data-hash)
 *   d   site domain (data-domain)
 *   r   document.referrer, or null
 *   i   interactive: false for engagement (it never ends a bounce), else
 *       true unless the call said interactive: false
 *   p   props, values as strings (null ones left out); only when given
 *   $   revenue as given, {amount, currency}; only when given
 *   e   engagement only: ms the page was visible and focused since the
 *       last engagement event of the page (add them up per page)
 *   sd  engagement only: deepest scroll so far on the page, 0-100 (%)
 *   h   1 with data-hash (the server keeps the hash in the page path, as
 *       Plausible's does); absent otherwise
 *   c   the first-party cookie id, only from /js/script.cookie.js (its
 *       prelude, cookie.js, sets window.mops_cid); absent otherwise
 * An engagement event goes out when the page is hidden or left, or before
 * an SPA navigation, if e >= 1000 or sd grew since the last one.
 *
 * No cookies, no storage writes, no fingerprinting; errors never reach the
 * page.
 *
 * The server serves this file minified (see minify.go): it drops blank
 * lines, the spaces that start and end lines, lines that start with //, and
 * comments that start a line with slash-star. Nothing else changes, lines
 * are never joined, so:
 *   - a comment starts its line; never put one after code;
 *   - no string or template literal spans lines.
 * The code is terse (short names, no spaces) because every character of it
 * is served: the budget is 1536 bytes gzipped (TestServedSize).
 */
(()=>{
var w=window,d=document,l=location,n=navigator,h=history;
// Loaded twice: the first copy counts.
if((w.mops||0).v)return;
try{
// a: the data-* attributes of this script's tag; an absent one is
// undefined, a present one without a value is "".
var a=d.currentScript.dataset;
var dom=(a.domain||'').split(',')[0].trim(),api=a.api||new URL('/api/event',d.currentScript.src);
var hash=a.hash!=null,now=Date.now,eng=0,px=0,warned,cur,last,run,act,sent;
// on adds a listener whose errors never reach the page.
var on=(t,type,f,o)=>t.addEventListener(type,e=>{try{f(e)}catch(_){}},o);
var url=()=>hash?l.href:l.href.split('#')[0];

// why says why no event may be sent, if so.
var why=()=>{
if(!dom)return'no data-domain';
// The empty hostname is file:.
if(a.includeLocalhost==null&&/^(localhost|127(\.\d+){3}|\[::1\]|)$/.test(l.hostname))return'localhost';
if(a.allowAutomation==null&&(n.webdriver||w._phantom||w.__nightmare||w.Cypress))return'automation';
try{if(localStorage.mops_ignore=='true')return'opted out'}catch(_){}
};

// send posts the event name with the options o (props, revenue,
// interactive, callback; u, e and sd set those fields), as a beacon if
// beacon. Fields left undefined are not sent. When it may not send, it
// warns once and calls the callback with no argument.
var send=(name,o,beacon)=>{
o=o||{};
var r=why(),p=o.props,cb=o.callback||(()=>0),k;
var b={n:name,u:o.u||url(),d:dom,r:d.referrer||null,i:o.interactive!==false,$:o.revenue,e:o.e,sd:o.sd,h:hash?1:void 0,c:w.mops_cid};
if(r)return warned||console.warn('mops: ignored: '+r),warned=1,cb();
if(p){
b.p={};
for(k in p)if(p[k]!=null)b.p[k]=''+p[k];
}
b=JSON.stringify(b);
// A string body goes as text/plain: no CORS preflight. A beacon outlives
// the page (a link being followed, the tab closing); fetch with keepalive
// is its fallback, and tells a callback the status.
beacon&&n.sendBeacon(api,b)||fetch(api,{method:'POST',body:b,keepalive:true}).then(r=>cb({status:r.status}),e=>cb({error:e}));
};

// Engagement of the current page, whose URL is cur (false when its
// pageview was not sent): the engaged time not yet sent (eng), the lowest
// pixel seen (px) and the scroll depth last sent.
// tick brings them up to now: the time since the last tick counts if the
// page was visible and focused (act) then. Every change of state ticks.
var tick=()=>{
var t=now();
eng+=act?t-run:0;
run=t;
act=!d.hidden&&d.hasFocus();
px=Math.max(px,w.scrollY+w.innerHeight);
};
var engage=()=>{
if(!cur)return;
tick();
// The root's scrollHeight is the document's height (also in quirks mode).
var sd=Math.min(100,Math.round(px/d.documentElement.scrollHeight*100))||0;
if(eng>=1e3||sd>sent)send('engagement',{u:cur,interactive:false,e:eng,sd},1),eng=0,sent=sd;
};

// page counts a pageview: on load, and on an SPA navigation (spa) when the
// path (or, with data-hash, the hash) changed, after the engagement of the
// page left.
var page=spa=>{
var k=l.pathname+(hash?l.hash:'');
if(spa&&k==last)return;
last=k;
engage();
tick();
eng=px=sent=0;
cur=!why()&&url();
send('pageview');
};

var mops=(name,o)=>{try{send(name,o)}catch(_){}};
// mops.identify(userId, traits): this visitor is this person (see
// "Identify" in the README); traits like {email, firstName, lastName}.
mops.identify=(id,t)=>mops('identify',{props:{...t,id}});
mops.v=1;
var q=(w.mops||w.plausible||{}).q||[];
w.mops=w.plausible=mops;

// Outbound links and file downloads: a left click (also Enter on a
// focused link) or a middle click (auxclick: button==true is button 1).
// The URL of a file is sent without its query and hash.
// Beacons: the navigation that follows is neither blocked nor delayed.
// Capture phase: a page that stops the click's propagation still counts.
var files=/\.(pdf|xlsx|docx|txt|rtf|csv|exe|key|pps|pptx?|7z|pkg|rar|gz|zip|avi|mov|mp4|mpeg|wmv|midi|mp3|wav|wma|dmg)$/i;
var click=e=>{
var t=e.button==(e.type=='auxclick')&&e.target.closest('a[href]');
if(!t)return;
if(t.host&&t.host!=l.host)send('Outbound Link: Click',{props:{url:t.href}},1);
else if(files.test(t.pathname))send('File Download',{props:{url:t.href.split(/[?#]/)[0]}},1);
};
on(d,'click',click,1);
on(d,'auxclick',click,1);

// moved handles an SPA navigation. The wrapped pushState lets the page's
// own errors through, and returns nothing as pushState does.
var moved=()=>{try{page(1)}catch(_){}},push=h.pushState;
h.pushState=function(){
push.apply(this,arguments);
moved();
};
on(w,'popstate',moved);
if(hash)on(w,'hashchange',moved);
// A scroll event cannot be cancelled: no need for passive.
on(w,'scroll',tick);
on(w,'focus',tick);
on(w,'blur',tick);
on(w,'pagehide',engage);
on(d,'visibilitychange',()=>{tick();d.hidden&&engage()});

// A prerendered page counts once it is shown.
d.prerendering?on(d,'prerenderingchange',()=>page()):page();
q.map(x=>mops(...x));
}catch(_){}
})();
