//! Authorizing an integration of this home: the session (its callback URL, listener
//! and token client from the settings) and the site step after it, for an
//! integration whose webhook URL comes from the site the grant reaches.

use std::time::Duration;

use super::Home;
use crate::model::Integration;
use crate::oauth::{
    CallbackCheckPlan, OAuthError, PreparedSession, SessionHome, SetupError, SiteContext,
    SiteOutcome, callback_check_plan_in, prepare_session_in,
};
use crate::store::StoreError;

impl Home {
    /// Prepares an authorize session for `integration` (see
    /// [`prepare_session_in`]).
    pub fn prepare_session(
        &self,
        integration: &Integration,
        paste_only: bool,
        timeout: Duration,
        extra_parameters: Vec<(String, String)>,
    ) -> Result<PreparedSession, SetupError> {
        let home = self.session_home()?;
        prepare_session_in(home, integration, paste_only, timeout, extra_parameters)
    }

    /// What a check of the callback path runs with: the callback URL and the
    /// listener an authorize session would start (`delivery::check_callback`).
    pub fn callback_check_plan(&self) -> Result<CallbackCheckPlan, SetupError> {
        callback_check_plan_in(
            self.settings()?,
            self.callback_url()?,
            &self.locations.data_dir,
        )
    }

    fn session_home(&self) -> Result<SessionHome<'_>, StoreError> {
        Ok(SessionHome {
            settings: self.settings()?,
            callback_url: self.callback_url()?,
            data_dir: &self.locations.data_dir,
            tokens: self.tokens.clone(),
            http: self.http_options()?,
        })
    }

    /// What the site step works with for the integration `name`, read now. Blocking.
    pub fn site_context(&self, name: &str) -> Result<SiteContext, OAuthError> {
        self.site_context_of(self.integration(name)?)
    }

    fn site_context_of(&self, integration: Integration) -> Result<SiteContext, OAuthError> {
        SiteContext::new(
            integration,
            self.integrations_to_save()?,
            self.http_options()?,
            self.tokens.clone(),
        )
    }

    /// The step after a successful authorization. An integration waiting for its
    /// site (its URL empty, a sites list to choose from) gets it now: the only site,
    /// or the one `wanted` names; with several and none named, the person chooses.
    /// `None` when it waits for no site. The authorization stands whatever this says.
    pub async fn finish_authorization(
        &self,
        name: &str,
        wanted: Option<&str>,
    ) -> Result<Option<SiteOutcome>, OAuthError> {
        let home = self.clone();
        let name = name.to_string();
        let context = tokio::task::spawn_blocking(move || {
            let integration = home.integration(&name)?;
            if !integration.waits_for_site() {
                return Ok(None);
            }
            home.site_context_of(integration).map(Some)
        })
        .await
        .map_err(|error| OAuthError::Protocol(error.to_string()))??;
        match context {
            // A URL set meanwhile (by hand, by another session) is kept.
            Some(context) => context.choose(wanted, true).await.map(Some),
            None => Ok(None),
        }
    }

    /// Sets the URL of `name` from the site `wanted` names, whatever it was.
    pub async fn choose_site(&self, name: &str, wanted: &str) -> Result<SiteOutcome, OAuthError> {
        let context = self.site_context_off_thread(name).await?;
        context.choose(Some(wanted), false).await
    }

    /// [`Home::site_context`] on a blocking thread.
    async fn site_context_off_thread(&self, name: &str) -> Result<SiteContext, OAuthError> {
        let home = self.clone();
        let name = name.to_string();
        tokio::task::spawn_blocking(move || home.site_context(&name))
            .await
            .map_err(|error| OAuthError::Protocol(error.to_string()))?
    }
}
