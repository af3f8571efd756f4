//! Child administration: the requests of [`SupervisorRef`](super::SupervisorRef) that add,
//! stop, restart and remove children, with OTP's errors.

use super::children::{Child, Status};
use super::spec::StartFailure;
use super::{ChildSpec, Supervisor, SupervisorError};
use crate::{Context, Pid, ServerId};

impl Supervisor {
    /// `start_child`: a dynamic child, after the others.
    pub(super) async fn start_child(
        &mut self,
        spec: ChildSpec,
        ctx: &mut Context<Self>,
    ) -> Result<Pid, SupervisorError> {
        self.check_significant(&spec)?;
        if let Some(index) = self.position(&spec.id) {
            return Err(match &self.children[index].status {
                Status::Running(pid) => SupervisorError::AlreadyStarted(pid.clone()),
                Status::Restarting | Status::Stopped => SupervisorError::AlreadyPresent,
            });
        }
        if let Some(max) = self.max_children {
            if self.children.iter().filter(|child| child.is_live()).count() >= max {
                return Err(SupervisorError::MaxChildren);
            }
        }
        match Self::start_spec(&spec, 0, ctx).await {
            Ok(pid) => {
                self.children
                    .push(Child::new(spec, Status::Running(pid.clone()), true));
                Ok(pid)
            }
            Err(failure) => Err(start_error(&spec, failure)),
        }
    }

    /// `terminate_child(&pid)`: a dynamic child, stopped and removed.
    pub(super) async fn terminate_child(
        &mut self,
        id: ServerId,
        ctx: &mut Context<Self>,
    ) -> Result<(), SupervisorError> {
        let index = self
            .children
            .iter()
            .position(|child| child.dynamic && child.is_or_was(id))
            .ok_or(SupervisorError::NotFound)?;
        self.stop_child(index, ctx).await;
        self.children.remove(index);
        Ok(())
    }

    /// `terminate_child_id`: stopped; kept if static and not temporary, removed otherwise.
    /// A stopped child: nothing to do (OTP's "like deleting something that does not exist").
    pub(super) async fn terminate_child_id(
        &mut self,
        id: &str,
        ctx: &mut Context<Self>,
    ) -> Result<(), SupervisorError> {
        let index = self.position(id).ok_or(SupervisorError::NotFound)?;
        self.stop_child(index, ctx).await;
        if self.children[index].leaves_when_stopped() {
            self.children.remove(index);
        }
        Ok(())
    }

    /// `restart_child`: a stopped child, started again.
    pub(super) async fn restart_child(
        &mut self,
        id: &str,
        ctx: &mut Context<Self>,
    ) -> Result<Pid, SupervisorError> {
        let index = self.position(id).ok_or(SupervisorError::NotFound)?;
        let child = &self.children[index];
        match child.status {
            Status::Running(_) => return Err(SupervisorError::Running),
            Status::Restarting => return Err(SupervisorError::Restarting),
            Status::Stopped => {}
        }
        let spec = child.spec.clone();
        match Self::start_spec(&spec, child.restarts, ctx).await {
            Ok(pid) => {
                self.children[index].set_status(Status::Running(pid.clone()));
                Ok(pid)
            }
            Err(failure) => Err(start_error(&spec, failure)),
        }
    }

    /// `delete_child`: a stopped child's spec, removed.
    pub(super) fn delete_child(&mut self, id: &str) -> Result<(), SupervisorError> {
        let index = self.position(id).ok_or(SupervisorError::NotFound)?;
        match self.children[index].status {
            Status::Running(_) => Err(SupervisorError::Running),
            Status::Restarting => Err(SupervisorError::Restarting),
            Status::Stopped => {
                self.children.remove(index);
                Ok(())
            }
        }
    }
}

/// A failed start of `spec`, as the error of the request.
fn start_error(spec: &ChildSpec, failure: StartFailure) -> SupervisorError {
    match failure {
        StartFailure::Ignored => SupervisorError::Ignored,
        StartFailure::AlreadyStarted(holder) => SupervisorError::AlreadyStarted(holder),
        StartFailure::Failed(reason) => SupervisorError::ChildStart {
            id: spec.id.clone(),
            reason,
        },
    }
}
