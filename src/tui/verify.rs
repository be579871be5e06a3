//! The VERIFY screen: the content sample sent to the integration in the background,
//! "Verifying… N s" and the stage it is at while it runs (Esc cancels), then the
//! report, stage by stage, scrollable. The report's text is the CLI's, so both faces
//! say the same thing; only advice that names a command names the key instead.

use std::time::Instant;

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::Line;
use ratatui::widgets::{Block, Paragraph, Wrap};

use super::action::Action;
use super::advice::console_advice;
use super::form;
use super::profile::Profile;
use super::text::title_room;
use super::theme::Theme;
use crate::delivery::{
    LABEL_WIDTH, Outcome, PeerCertificate, Stage, VerifyReport, headline, report_lines_advising,
};

/// Names one run, so a report of an earlier (cancelled) run is not taken for this one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct VerifyId(pub u64);

#[derive(Debug, Clone)]
pub enum VerifyState {
    /// Running; the runtime holds the cancel handle under the id.
    Running {
        id: VerifyId,
        started: Instant,
        /// The stage it is at, once the first began.
        stage: Option<Stage>,
        cancelling: bool,
    },
    Done(Box<VerifyReport>),
}

#[derive(Debug, Clone)]
pub struct VerifyView {
    name: String,
    state: VerifyState,
    scroll: u16,
}

/// What a key on VERIFY asks of the app.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VerifyRequest {
    /// Ask whether to pin the certificate the server presented.
    Trust(Box<PeerCertificate>),
    /// Cancel the run (the screen says "Cancelling..." until its report comes).
    Cancel(VerifyId),
    /// VERIFY the same integration again.
    Again,
    Back,
    Help,
}

impl VerifyView {
    pub fn running(name: &str, id: VerifyId) -> VerifyView {
        VerifyView {
            name: name.to_string(),
            state: VerifyState::Running {
                id,
                started: Instant::now(),
                stage: None,
                cancelling: false,
            },
            scroll: 0,
        }
    }

    pub fn handle(&mut self, action: Option<Action>) -> Option<VerifyRequest> {
        match action? {
            Action::Up => self.scroll_by(-1),
            Action::Down => self.scroll_by(1),
            Action::PageUp => self.scroll_by(-10),
            Action::PageDown => self.scroll_by(10),
            Action::Back => {
                if let VerifyState::Running { id, cancelling, .. } = &mut self.state {
                    *cancelling = true;
                    return Some(VerifyRequest::Cancel(*id));
                }
                return Some(VerifyRequest::Back);
            }
            Action::Verify if !self.is_running() => return Some(VerifyRequest::Again),
            Action::TrustCertificate => {
                let certificate = self.certificate_to_pin()?;
                return Some(VerifyRequest::Trust(Box::new(certificate.clone())));
            }
            Action::Help => return Some(VerifyRequest::Help),
            _ => {}
        }
        None
    }

    /// The integration verified.
    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn state(&self) -> &VerifyState {
        &self.state
    }

    /// The certificate the report refused and pinning would trust, once it is done.
    pub fn certificate_to_pin(&self) -> Option<&PeerCertificate> {
        match &self.state {
            VerifyState::Done(report) => report.certificate_to_pin(),
            VerifyState::Running { .. } => None,
        }
    }

    pub fn running_id(&self) -> Option<VerifyId> {
        match &self.state {
            VerifyState::Running { id, .. } => Some(*id),
            VerifyState::Done(_) => None,
        }
    }

    pub fn is_running(&self) -> bool {
        self.running_id().is_some()
    }

    /// A stage began (the runtime forwards each one).
    pub fn stage(&mut self, run: VerifyId, began: Stage) {
        if let VerifyState::Running { id, stage, .. } = &mut self.state
            && *id == run
        {
            *stage = Some(began);
        }
    }

    /// The report of run `run`; a report of another run is dropped.
    pub fn finished(&mut self, run: VerifyId, report: VerifyReport) -> bool {
        if self.running_id() != Some(run) {
            return false;
        }
        self.state = VerifyState::Done(Box::new(report));
        self.scroll = 0;
        true
    }

    fn scroll_by(&mut self, lines: i32) {
        let next = i32::from(self.scroll) + lines;
        self.scroll = u16::try_from(next.max(0)).unwrap_or(u16::MAX);
    }

    pub fn render(&mut self, frame: &mut Frame, area: Rect, theme: &Theme, profile: Profile) {
        let block = Block::bordered()
            .border_set(profile.border_set())
            .border_style(theme.border_focused)
            .title(format!(
                " {} ",
                theme.fit(&format!("VERIFY {}", self.name), title_room(area))
            ));
        let inner = block.inner(area);
        frame.render_widget(block, area);
        let lines: Vec<Line> = match &self.state {
            VerifyState::Running {
                started,
                stage,
                cancelling,
                ..
            } => {
                let seconds = started.elapsed().as_secs();
                let mut lines = vec![Line::styled(
                    if *cancelling {
                        format!("Cancelling... {seconds} s")
                    } else {
                        format!("Verifying... {seconds} s")
                    },
                    theme.primary,
                )];
                if let Some(stage) = stage {
                    lines.push(Line::styled(format!("Now: {}", stage.label()), theme.text));
                }
                lines.push(Line::default());
                lines.push(Line::styled(
                    "The content sample is being sent. Esc cancels.",
                    theme.hint,
                ));
                lines
            }
            VerifyState::Done(report) => {
                let style = match report.outcome {
                    Outcome::Delivered { .. } => theme.success,
                    Outcome::Cancelled => theme.warning,
                    _ => theme.error,
                };
                let mut lines = vec![Line::styled(headline(report), style), Line::default()];
                // A long value goes on under itself, not under the labels; a body
                // line keeps its own indent.
                let width = usize::from(inner.width);
                let advice = console_advice(report);
                for line in report_lines_advising(report, advice.as_deref()) {
                    let indent = match line.chars().take_while(|c| *c == ' ').count() {
                        0 => LABEL_WIDTH,
                        spaces => spaces,
                    };
                    lines.extend(
                        form::hanging(&line, indent, width)
                            .into_iter()
                            .map(|part| Line::styled(part, theme.text)),
                    );
                }
                lines
            }
        };
        let max_scroll = u16::try_from(lines.len())
            .unwrap_or(u16::MAX)
            .saturating_sub(inner.height);
        self.scroll = self.scroll.min(max_scroll);
        frame.render_widget(
            Paragraph::new(lines)
                .wrap(Wrap { trim: false })
                .scroll((self.scroll, 0)),
            inner,
        );
    }
}
