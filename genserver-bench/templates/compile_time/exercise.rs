
/// Starts a `Server000`, calls each of its handlers, checks what they did and stops it.
pub async fn exercise() -> u64 {
    let server = Server000::start(Server000 {
        value: 0,
        ticks: 0,
        notes: 0,
    })
    .await
    .expect("a server without #[init] starts");
    assert_eq!(server.increment().await, Ok(1));
    server.add(SERVER_INDEX).expect("the server is running");
    assert_eq!(server.add_later(2).await, Ok(SERVER_INDEX + 3));
    assert_eq!(server.get().await, Ok(SERVER_INDEX + 3));
    // `on_tick` sends itself `Note(1)` with `ctx.continue_with`, handled before `Note(10)`.
    server.send(Tick).expect("the server is running");
    server.send(Note(10)).expect("the server is running");
    let described = format!("s{}: value {}, ticks 1, notes 11", SERVER_INDEX, SERVER_INDEX + 3);
    assert_eq!(
        server.describe(format!("s{}", SERVER_INDEX)).await,
        Ok(described)
    );
    server.reset().expect("the server is running");
    assert_eq!(server.get().await, Ok(0));
    server.stop().await;
    assert!(!server.is_alive());
    1
}
