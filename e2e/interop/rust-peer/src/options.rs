//! The command-line flags shared with the go and js peers (see ../README.md), as far as
//! rust-libp2p gossipsub can honour them; the others are refused with a message saying why.

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Muxer {
    Yamux,
    Mplex,
    Both,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pubsub {
    Gossipsub,
    None,
}

/// Which gossipsub protocol ids to offer: rust-libp2p can only narrow its list to these.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Protocols {
    /// /meshsub/1.3.0, 1.2.0, 1.1.0, 1.0.0 (the implementation's default).
    Default,
    /// /meshsub/1.1.0 and /meshsub/1.0.0.
    UpTo11,
    /// /meshsub/1.1.0 only.
    Only11,
    /// /meshsub/1.0.0 only.
    Only10,
}

/// Which message-id function gossipsub uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MessageIdFn {
    /// The publisher's PeerId bytes followed by the 8-byte big-endian seqno: go's, js's and
    /// topicmesh's default, so ids in IHAVE/IWANT/IDONTWANT mean the same message everywhere.
    FromSeqno,
    /// rust-libp2p's own default: the base58 PeerId followed by the seqno in decimal.
    RustDefault,
}

#[derive(Debug, Clone)]
pub struct Options {
    pub listen: Vec<String>,
    pub key_seed: Option<String>,
    pub muxer: Muxer,
    pub dial: Vec<String>,
    pub topics: Vec<String>,
    pub pubsub: Pubsub,
    pub protocols: Protocols,
    pub d: Option<usize>,
    pub dlo: Option<usize>,
    pub dhi: Option<usize>,
    pub heartbeat_ms: Option<u64>,
    /// Per-topic mesh degrees (topic, d, dlo, dhi) from --topic-mesh.
    pub topic_mesh: Vec<(String, usize, usize, usize)>,
    pub flood_publish: bool,
    pub peer_exchange: bool,
    pub support_floodsub: bool,
    pub idontwant_on_publish: bool,
    pub message_id: MessageIdFn,
    pub agent: Option<String>,
}

pub fn parse(args: Vec<String>) -> Result<Options, String> {
    let mut o = Options {
        listen: Vec::new(),
        key_seed: None,
        muxer: Muxer::Both,
        dial: Vec::new(),
        topics: Vec::new(),
        pubsub: Pubsub::Gossipsub,
        protocols: Protocols::Default,
        d: None,
        dlo: None,
        dhi: None,
        heartbeat_ms: None,
        topic_mesh: Vec::new(),
        flood_publish: true,
        peer_exchange: false,
        support_floodsub: false,
        idontwant_on_publish: false,
        message_id: MessageIdFn::FromSeqno,
        agent: None,
    };
    let mut protocols_given = false;
    let mut it = args.into_iter();
    while let Some(name) = it.next() {
        let mut value = || it.next().ok_or_else(|| format!("flag {name} needs a value"));
        match name.as_str() {
            "--listen" => o.listen.push(value()?),
            "--key-seed" => o.key_seed = Some(value()?),
            "--muxer" => {
                o.muxer = match value()?.as_str() {
                    "yamux" => Muxer::Yamux,
                    "mplex" => Muxer::Mplex,
                    "both" => Muxer::Both,
                    v => return Err(format!("--muxer must be yamux, mplex or both, got {v:?}")),
                }
            }
            "--dial" => o.dial.push(value()?),
            "--topic" => o.topics.push(value()?),
            "--pubsub" => {
                o.pubsub = match value()?.as_str() {
                    "gossipsub" => Pubsub::Gossipsub,
                    "none" => Pubsub::None,
                    "floodsub" => {
                        return Err("--pubsub floodsub is not supported by the rust peer (it runs \
                                    rust-libp2p gossipsub only)"
                            .into())
                    }
                    v => return Err(format!("--pubsub must be gossipsub, floodsub or none, got {v:?}")),
                }
            }
            "--protocols" => {
                let v = value()?;
                let list: Vec<&str> = v.split(',').map(str::trim).filter(|s| !s.is_empty()).collect();
                o.protocols = match list.as_slice() {
                    ["/meshsub/1.3.0", "/meshsub/1.2.0", "/meshsub/1.1.0", "/meshsub/1.0.0"] => Protocols::Default,
                    ["/meshsub/1.1.0", "/meshsub/1.0.0"] => Protocols::UpTo11,
                    ["/meshsub/1.1.0"] => Protocols::Only11,
                    ["/meshsub/1.0.0"] => Protocols::Only10,
                    _ => {
                        return Err(format!(
                            "--protocols {v:?} cannot be offered by rust-libp2p gossipsub: it offers \
                             /meshsub/1.3.0,/meshsub/1.2.0,/meshsub/1.1.0,/meshsub/1.0.0 or can be narrowed \
                             to /meshsub/1.1.0,/meshsub/1.0.0 or to /meshsub/1.1.0 or /meshsub/1.0.0 alone"
                        ))
                    }
                };
                protocols_given = true;
            }
            "--d" => o.d = Some(non_negative(&name, &value()?)? as usize),
            "--dlo" => o.dlo = Some(non_negative(&name, &value()?)? as usize),
            "--dhi" => o.dhi = Some(non_negative(&name, &value()?)? as usize),
            "--heartbeat-ms" => {
                let n = non_negative(&name, &value()?)?;
                if n == 0 {
                    return Err("--heartbeat-ms must be positive".into());
                }
                o.heartbeat_ms = Some(n);
            }
            "--topic-mesh" => {
                let v = value()?;
                let parts: Vec<&str> = v.rsplitn(4, ':').collect();
                let bad = || format!("--topic-mesh needs <topic>:<d>:<dlo>:<dhi>, got {v:?}");
                if parts.len() != 4 || parts[3].is_empty() {
                    return Err(bad());
                }
                let n = |s: &str| s.parse::<usize>().map_err(|_| bad());
                let (dhi, dlo, d) = (n(parts[0])?, n(parts[1])?, n(parts[2])?);
                if !(dlo <= d && d <= dhi) {
                    return Err(format!("--topic-mesh degrees must satisfy dlo <= d <= dhi, got {v:?}"));
                }
                o.topic_mesh.push((parts[3].to_string(), d, dlo, dhi));
            }
            "--flood-publish" => o.flood_publish = boolean(&name, &value()?)?,
            "--idontwant-on-publish" => o.idontwant_on_publish = boolean(&name, &value()?)?,
            "--message-id" => {
                o.message_id = match value()?.as_str() {
                    "from-seqno" => MessageIdFn::FromSeqno,
                    "rust-default" => MessageIdFn::RustDefault,
                    v => return Err(format!("--message-id must be from-seqno or rust-default, got {v:?}")),
                }
            }
            "--px" => o.peer_exchange = true,
            "--support-floodsub" => o.support_floodsub = true,
            "--agent" => o.agent = Some(value()?),
            "--trace-rpc" => {
                return Err("--trace-rpc is not supported by the rust peer: rust-libp2p gossipsub has no \
                            hook that shows each RPC"
                    .into())
            }
            "--test-extension" | "--bench-stats" => {
                return Err(format!("{name} is go-only; the rust peer does not support it"))
            }
            _ => return Err(format!("unknown flag {name:?}")),
        }
    }
    if (protocols_given || o.support_floodsub) && o.pubsub != Pubsub::Gossipsub {
        return Err("--protocols and --support-floodsub need --pubsub gossipsub".into());
    }
    if o.listen.is_empty() {
        o.listen.push("/ip4/127.0.0.1/tcp/0".into());
    }
    Ok(o)
}

fn non_negative(name: &str, v: &str) -> Result<u64, String> {
    v.parse::<u64>()
        .map_err(|_| format!("flag {name} needs a non-negative integer, got {v:?}"))
}

fn boolean(name: &str, v: &str) -> Result<bool, String> {
    match v {
        "true" => Ok(true),
        "false" => Ok(false),
        _ => Err(format!("{name} must be true or false, got {v:?}")),
    }
}
