//! Reading what the directory wrote into the outbox, and the one-time token a message's link
//! carries: what a test does in place of a mail server.

use homeroom::messaging::{MessagePurpose, OutboxMessage};
use homeroom::storage::{Item, ItemBody, ItemQuery};
use homeroom::{DistrictId, UserId};

use crate::{Harness, set_up};

/// Every outbox message to `user`, with its item (status, due time), in the order written.
pub async fn messages_to(
    h: &Harness,
    district: DistrictId,
    user: UserId,
) -> Vec<(Item, OutboxMessage)> {
    let query = ItemQuery::of(OutboxMessage::KIND).with_owner(user);
    let page = set_up(
        h.directory
            .storage()
            .items(district, &query)
            .await
            .map_err(homeroom::Error::from),
    );
    page.items
        .into_iter()
        .map(|item| {
            let message = set_up(
                item.decode::<OutboxMessage>()
                    .map_err(homeroom::Error::from),
            );
            (item, message)
        })
        .collect()
}

/// The token in the last `purpose` message to `user`: what follows `token=` in its link, up
/// to the end of the line.
#[allow(clippy::panic)] // test harness: no such message fails the test
pub async fn last_token(
    h: &Harness,
    district: DistrictId,
    user: UserId,
    purpose: MessagePurpose,
) -> String {
    let messages = messages_to(h, district, user).await;
    let Some((_, message)) = messages.iter().rev().find(|(_, m)| m.purpose == purpose) else {
        panic!("no {purpose:?} message to {user}");
    };
    token_in(&message.content.text)
}

/// What follows `token=` in `text`, up to whitespace.
#[allow(clippy::panic)] // test harness: a message without a link fails the test
pub fn token_in(text: &str) -> String {
    let Some((_, after)) = text.split_once("token=") else {
        panic!("no link with a token in {text:?}");
    };
    after
        .split_whitespace()
        .next()
        .unwrap_or_default()
        .to_owned()
}
