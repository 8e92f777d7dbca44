// A CanNotDelete lock on the resource group: nobody (azd down included) deletes the group or anything in it until
// someone with Microsoft.Authorization/locks/delete (Owner, User Access Administrator) removes the lock on purpose.
// Reads and updates go on as before; data in storage is not affected (locks guard the control plane only).

@description('Why the lock is there, shown to whoever tries to delete something.')
param notes string = 'Serverless Provisioning: the organization directory, the orders and their archive live here. See docs/recovery.md before removing this lock.'

resource lock 'Microsoft.Authorization/locks@2020-05-01' = {
  name: 'do-not-delete'
  properties: {
    level: 'CanNotDelete'
    notes: notes
  }
}

output name string = lock.name
